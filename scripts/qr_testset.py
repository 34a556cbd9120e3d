#!/usr/bin/env python3
"""Generates the card-back QR test set (issue 19): photographed-style images of a
My Number card's back carrying a QR code, with no real card involved.

Every number is a random VALID 12-digit My Number (check digit of 番号法施行令 art. 8,
the same rule as the my-number crate); nothing here is anyone's number.

    python3 -m venv target/qr-venv && target/qr-venv/bin/pip install qrcode pillow numpy
    target/qr-venv/bin/python scripts/qr_testset.py target/qr-testset [PER_CONDITION] [SEED]

writes DIR/<condition>/<n>.jpg and DIR/manifest.json ({file, condition, payload,
expect}: expect is the 12 digits a decoder must return, or null when no number may
be returned). The decoders are compared on it by scripts/qr_compare (see BENCHMARKS.md).

Conditions (the "clean" one is the clean phone-style part; the others are the hard part):
  clean        card nearly frontal (±6°), good light, JPEG q92, 1–12 MP
  rotated      any in-plane rotation (0–360°)
  perspective  tilted card: the far edge 20–40 % shorter, plus ±15° rotation
  blur         Gaussian blur of 0.15–0.3 QR module (hand shake / missed focus)
  jpeg         JPEG quality 12–30 (messaging apps' recompression)
  glare        a specular highlight over part of the card and QR
  lowlight     20–35 % exposure, sensor noise, a little blur
  small        1 MP photo, the card filling only 30–40 % of the width
  negative     no number may come out: no QR, a URL, 11 digits, a bad check digit
"""

import io
import json
import math
import os
import random
import sys

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Photo sizes (4:3): 1, 3, 8 and 12 MP.
SIZES = [(1152, 864), (2000, 1500), (3264, 2448), (4000, 3000)]
# The card at 20 px/mm (ISO/IEC 7810 ID-1, 85.6 × 54 mm). The QR is drawn 13 mm wide
# at the right of the back (an approximation of the real layout; see BENCHMARKS.md).
PX_MM = 20
CARD_W, CARD_H = int(85.6 * PX_MM), int(54 * PX_MM)
QR_MM = 13


def check_digit(first_eleven):
    total = 0
    for i, d in enumerate(reversed(first_eleven)):
        n = i + 1
        q = n + 1 if n <= 6 else n - 5
        total += int(d) * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def random_number(rng):
    first = "".join(rng.choice("0123456789") for _ in range(11))
    return first + str(check_digit(first))


def font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def card_back(rng, payload):
    """A card back: tinted background, the number printed at the top, text lines, a chip
    outline and (when payload is not None) the QR code."""
    card = Image.new("RGB", (CARD_W, CARD_H), (250, 244, 246))
    d = ImageDraw.Draw(card)
    # Fine background pattern, like the security print.
    for y in range(0, CARD_H, 9):
        d.line([(0, y), (CARD_W, y + 40)], fill=(240, 226, 232), width=1)
    shown = payload if payload and payload.isdigit() else random_number(rng)
    d.text((60, 40), "個人番号", fill=(60, 60, 60), font=font(44))
    d.text((300, 30), " ".join([shown[:4], shown[4:8], shown[8:]]), fill=(20, 20, 20), font=font(80))
    for i in range(4):
        y = 220 + i * 110
        d.rectangle([60, y, 60 + rng.randint(500, 900), y + 40], fill=(90, 90, 90))
    d.rounded_rectangle([80, 700, 330, 900], radius=30, outline=(150, 130, 80), width=6)
    if payload is not None:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
        qr.add_data(payload)
        qr.make(fit=True)
        img = qr.make_image(fill_color="black", back_color="white").convert("RGB")
        side = int(QR_MM * PX_MM * img.size[0] / (img.size[0] - 80))  # 13 mm without quiet zone
        img = img.resize((side, side), Image.NEAREST)
        card.paste(img, (CARD_W - side - 60, CARD_H - side - 60))
    return card


def perspective_coeffs(dst, src):
    """Coefficients for Image.transform(PERSPECTIVE): output point -> input point."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return np.linalg.solve(a, b).tolist()


def background(rng, size):
    w, h = size
    base = np.array([rng.randint(90, 200) for _ in range(3)], dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 0.8 + 0.2 * (xx / w) + 0.1 * np.sin(yy / max(h, 1) * 6.0)
    img = base[None, None, :] * shade[:, :, None]
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, (h, w, 1))
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def place(rng, card, size, width_frac, rot_deg, squeeze):
    """The card as a quad in a photo of `size`: centred near the middle, `width_frac` of
    the photo's width, rotated, with the top edge shortened by `squeeze` (perspective)."""
    w, h = size
    cw = w * width_frac
    ch = cw * CARD_H / CARD_W
    cx = w / 2 + rng.uniform(-0.08, 0.08) * w
    cy = h / 2 + rng.uniform(-0.08, 0.08) * h
    top = cw * (1 - squeeze) / 2
    quad = [(-top, -ch / 2), (top, -ch / 2), (cw / 2, ch / 2), (-cw / 2, ch / 2)]
    a = math.radians(rot_deg)
    quad = [
        (cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a))
        for x, y in quad
    ]
    src = [(0, 0), (CARD_W, 0), (CARD_W, CARD_H), (0, CARD_H)]
    coeffs = perspective_coeffs(quad, src)
    warped = card.convert("RGBA").transform(size, Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    photo = Image.fromarray(background(rng, size)).convert("RGBA")
    photo.alpha_composite(warped)
    return photo.convert("RGB"), cw


def module_px(card_px_wide):
    """Pixels per QR module in the photo (version 1 or 2: ~21–25 modules over 13 mm)."""
    return card_px_wide / 85.6 * QR_MM / 23


def jpeg(img, quality):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def make(rng, condition, index):
    size = SIZES[index % len(SIZES)]
    number = random_number(rng)
    payload, expect = number, number
    width_frac = rng.uniform(0.5, 0.75)
    rot = rng.uniform(-6, 6)
    squeeze = rng.uniform(0, 0.06)
    quality = 92
    if condition == "rotated":
        rot = rng.uniform(0, 360)
    elif condition == "perspective":
        rot = rng.uniform(-15, 15)
        squeeze = rng.uniform(0.2, 0.4)
    elif condition == "small":
        size = SIZES[0]
        width_frac = rng.uniform(0.3, 0.4)
    elif condition == "jpeg":
        quality = rng.randint(12, 30)
    elif condition == "negative":
        kind = index % 4
        if kind == 0:
            payload = None
        elif kind == 1:
            payload = "https://example.jp/card/" + number
        elif kind == 2:
            payload = number[:11]
        else:
            payload = number[:11] + str((int(number[11]) + rng.randint(1, 9)) % 10)
        expect = None
    photo, card_px = place(rng, card_back(rng, payload), size, width_frac, rot, squeeze)
    if condition == "blur":
        photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.15, 0.3) * module_px(card_px)))
    elif condition == "glare":
        arr = np.asarray(photo).astype(np.float32)
        h, w = arr.shape[:2]
        # Centred on the right half of the card, where the QR is.
        gx = w / 2 + rng.uniform(0.2, 0.4) * card_px
        gy = h / 2 + rng.uniform(0.0, 0.25) * card_px
        r = rng.uniform(0.08, 0.16) * card_px
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        g = np.exp(-(((xx - gx) / (1.6 * r)) ** 2 + ((yy - gy) / r) ** 2))
        strength = rng.uniform(0.5, 0.85)
        arr = arr + (255 - arr) * (strength * g)[:, :, None]
        photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    elif condition == "lowlight":
        arr = np.asarray(photo).astype(np.float32) * rng.uniform(0.2, 0.35)
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 5, arr.shape)
        photo = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
        photo = photo.filter(ImageFilter.GaussianBlur(0.1 * module_px(card_px)))
    return jpeg(photo, quality), payload, expect


CONDITIONS = ["clean", "rotated", "perspective", "blur", "jpeg", "glare", "lowlight", "small", "negative"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "target/qr-testset"
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 19
    rng = random.Random(seed)
    manifest = []
    for condition in CONDITIONS:
        os.makedirs(os.path.join(out, condition), exist_ok=True)
        for i in range(per):
            data, payload, expect = make(rng, condition, i)
            name = f"{condition}/{i:03}.jpg"
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            manifest.append({"file": name, "condition": condition, "payload": payload, "expect": expect})
        print(condition, per, file=sys.stderr)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
