"""Languages: the six the pages speak (domain.py, pure), which one a request
reads (choice.py), and the catalogues' upkeep (catalogues.py, `flask --app voting
translations …`). docs/translations.md says how translators work."""
