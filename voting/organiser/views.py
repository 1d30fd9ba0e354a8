from flask import Blueprint

bp = Blueprint("organiser_pages", __name__, url_prefix="/organiser")


@bp.get("/")
def dashboard():
    return "dashboard"
