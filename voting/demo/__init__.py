"""The WSIS Forum 2021 demo data behind `flask --app voting seed-demo`."""
