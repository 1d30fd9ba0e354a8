"""The contest editor: a contest made and changed through forms, never JSON
(the SPEC's import and export stay for power users)."""
