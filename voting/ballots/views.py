"""Voting pages: a category's ballot, the confirmation with its receipt, and
"my votes". (Filled in by the voting-pages work.)"""

from flask import Blueprint

bp = Blueprint("ballot_pages", __name__)
