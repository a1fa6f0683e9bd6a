"""A branch's brand: the logo and colour a manager uploads in its settings, checked
(whole PNG or JPEG, capped, metadata dropped; SVG, fakes and polyglots refused),
served at /b/<branch>/logo, in the API's branch detail and on the phone pages."""
import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select
from test_web_admin_forms import BRANCH, field_errors
from web_staff_helpers import csrf_of, make_user, post_form, sign_in
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from turnero import branding
from turnero.models import AuditEntry, Branch

API = "/api/v1"


def png(width=240, height=80, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width=240, height=80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 90, 200)).save(out, "JPEG", progressive=True,
                                                           exif=Image.Exif())
    return out.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_text_chunk(data: bytes, text: bytes) -> bytes:
    """The PNG with a tEXt chunk after its header (where cameras and editors write theirs)."""
    ihdr_end = 8 + 25
    return data[:ihdr_end] + chunk(b"tEXt", text) + data[ihdr_end:]


# ---------------------------------------------------------------- the rules

def test_a_whole_png_or_jpeg_is_a_logo_with_what_it_says_about_itself_dropped():
    logo = branding.checked_logo(with_text_chunk(png(), b"Comment\x00<script>alert(1)</script>"))
    assert (logo.media_type, logo.width, logo.height) == ("image/png", 240, 80)
    assert b"<script>" not in logo.data and b"tEXt" not in logo.data
    assert Image.open(io.BytesIO(logo.data)).size == (240, 80)  # still a picture
    photo = branding.checked_logo(jpeg())
    assert (photo.media_type, photo.width, photo.height) == ("image/jpeg", 240, 80)
    Image.open(io.BytesIO(photo.data)).load()
    assert len(logo.version) == 16 and logo.version != photo.version


@pytest.mark.parametrize("data, message", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', branding.NOT_AN_IMAGE),
    (b"GIF89a" + b"\x00" * 40, branding.NOT_AN_IMAGE),
    (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", branding.DAMAGED),  # a fake PNG
    (png() + b"PK\x03\x04 a zip after the picture", branding.DAMAGED),  # a polyglot
    (jpeg() + b"<html>", branding.DAMAGED),
    (png()[:-20], branding.DAMAGED),  # cut short
    (png(2001, 1), branding.TOO_LARGE),
    (png() + b"\x00" * branding.MAX_LOGO_BYTES, branding.TOO_BIG),
])
def test_anything_else_is_refused_with_the_reason(data, message):
    with pytest.raises(branding.LogoRefused) as refused:
        branding.checked_logo(data)
    assert refused.value.message == message


def test_the_ink_is_whichever_reads_better_on_the_colour():
    assert branding.brand_ink("#ffcc00") == branding.DARK_INK  # yellow: dark text
    assert branding.brand_ink("#1f6feb") == branding.LIGHT_INK
    assert branding.brand("#0E7C66", None) == {"color": "#0e7c66", "ink": "#ffffff", "logo_url": None}


# ---------------------------------------------------------------- the settings page and where it shows

@pytest.fixture
def manager(app, client):
    make_user(app, "gerente", "manager", "centro")
    sign_in(client, "gerente")
    return client


def upload(client, data: bytes, name="logo.png", lang="en", **fields):
    """The settings form with a file, encoded in memory (the test client would spool a
    big body to a temporary file it never closes)."""
    url = f"/admin/branches/centro?lang={lang}"
    boundary, body = encode_multipart({"csrf_token": csrf_of(client, url), **BRANCH, **fields,
                                       "logo": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_manager_brands_the_branch_and_every_page_shows_it(app, manager):
    r = upload(manager, with_text_chunk(png(), b"Author\x00someone"), brand_color="#FFCC00")
    assert r.status_code == 302, r.get_data(as_text=True)
    brand = manager.get(f"{API}/branches/centro").get_json()["brand"]
    assert brand["color"] == "#ffcc00" and brand["ink"] == "#0b1b33"
    assert brand["logo_url"].startswith("/b/centro/logo?v=")

    served = manager.get(brand["logo_url"])
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert b"Author" not in served.data and Image.open(io.BytesIO(served.data)).size == (240, 80)
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "immutable" in served.headers["Cache-Control"]
    assert manager.get(brand["logo_url"], headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    assert "immutable" not in manager.get("/b/centro/logo").headers["Cache-Control"]  # an old or no version

    page = manager.get("/b/centro/join?lang=en").get_data(as_text=True)
    assert f'<img class="logo" src="{brand["logo_url"]}" alt="Sucursal Centro">' in page
    assert "--brand: #ffcc00; --brand-ink: #0b1b33" in page
    booking = manager.get("/b/centro/book?lang=en").get_data(as_text=True)
    assert f'src="{brand["logo_url"]}"' in booking and "--brand: #ffcc00" in booking
    lobby = manager.get("/b/centro/display").get_data(as_text=True)
    assert f'<img class="tv-logo" src="{brand["logo_url"]}"' in lobby and 'data-brand style="--brand: #ffcc00' in lobby
    settings = manager.get("/admin/branches/centro").get_data(as_text=True)
    assert brand["logo_url"] in settings and 'name="remove_logo"' in settings

    with app.extensions["turnero.db"].unit_of_work() as uow:
        actor, changes = uow.session.execute(select(AuditEntry.actor, AuditEntry.changes).where(
            AuditEntry.action == "branch.changed").order_by(AuditEntry.id.desc())).first()
    assert actor == "gerente" and {"brand_color", "brand_logo_version"} <= set(changes)

    # Saving again without a file keeps the logo; "remove" takes it away.
    assert post_form(manager, "/admin/branches/centro", {**BRANCH, "brand_color": "#ffcc00"}).status_code == 302
    assert manager.get(brand["logo_url"]).status_code == 200
    assert post_form(manager, "/admin/branches/centro", {**BRANCH, "remove_logo": "y"}).status_code == 302
    assert manager.get("/b/centro/logo").status_code == 404
    assert manager.get(f"{API}/branches/centro").get_json()["brand"] == {
        "color": None, "ink": "#ffffff", "logo_url": None}
    assert 'class="logo"' not in manager.get("/b/centro/join").get_data(as_text=True)
    assert manager.get("/b/nowhere/logo").status_code == 404


def test_a_bad_upload_or_colour_says_why_and_changes_nothing(app, manager):
    assert upload(manager, png(), brand_color="#0e7c66").status_code == 302
    before = manager.get(f"{API}/branches/centro").get_json()["brand"]
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    for data, name, message in [
        (svg, "logo.svg", "Use a PNG or JPEG image."),
        (b"\x89PNG\r\n\x1a\n<html>", "fake.png", "This file is not a whole PNG or JPEG image."),
        (png() + b"PK\x03\x04", "both.png", "This file is not a whole PNG or JPEG image."),
        (png() + b"\x00" * branding.MAX_LOGO_BYTES, "big.png", "The logo may be up to 256 KB."),
        (png() + b"\x00" * (3 * 1024 * 1024), "photo.png", "The logo may be up to 256 KB."),  # a camera's
    ]:
        r = upload(manager, data, name, name_field="x", brand_color="#123456")
        assert r.status_code == 422 and field_errors(r, "logo") == [message], name
    r = upload(manager, png(), brand_color="red")
    assert r.status_code == 422 and field_errors(r, "brand_color") == ["Enter a colour like #1f6feb."]
    assert manager.get(f"{API}/branches/centro").get_json()["brand"] == before
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalar(select(Branch.brand_color).where(Branch.slug == "centro")) == "#0e7c66"


def test_a_manager_of_another_branch_may_not_brand_this_one_nor_may_strangers_send_much(app, client):
    make_user(app, "otro", "manager", "norte")
    sign_in(client, "otro")
    assert client.get("/admin/branches/centro").status_code == 403
    stranger = app.test_client()
    r = stranger.post("/admin/branches/centro", data={"logo": (io.BytesIO(png() + b"\x00" * 100_000), "x.png")},
                      content_type="multipart/form-data")
    assert r.status_code == 413  # the usual 16 KB for anyone not signed in
