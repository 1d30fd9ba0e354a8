"""Photos: uploads checked before decoding, re-encoded sizes, storage, the image job."""
