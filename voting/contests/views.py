from flask import Blueprint

bp = Blueprint("contest_pages", __name__)


@bp.get("/")
def home():
    return "home"
