"""Judging pages and endpoints arrive with the judging issue; the blueprint is
registered now so URLs and templates have their home."""

from flask import Blueprint

bp = Blueprint("judging", __name__, url_prefix="/judging")
