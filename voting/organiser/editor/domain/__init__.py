"""The contest editor's pure parts: templates per kind, cloning, and the
forms' values to and from a SPEC. No framework; `now` is an argument."""
