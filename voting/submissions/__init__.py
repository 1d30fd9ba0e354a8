"""Participants' submissions: entries, teams, photos, galleries, bulk import."""
