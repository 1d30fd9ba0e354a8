"""Why an upload is refused: one exception the service turns into the API's
answer (422 on the `image` field, or 413 for bytes beyond the limit). Pure."""

from __future__ import annotations


class Refused(ValueError):
    """The upload cannot be accepted; `message` is said to the uploader."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.message = message
        self.too_large = too_large  # the byte limit (413), not the content (422)
