"""A minimal PNG reader (8-bit RGB/RGBA, non-interlaced, as Chromium writes screenshots): stdlib only."""
import struct
import zlib


def read_png(path):
    """Returns (width, height, channels, rows) where rows is a list of bytearrays."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, idat = 8, b""
    width = height = channels = None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace != 0 or color not in (2, 6):
                raise ValueError(f"unsupported PNG: depth {depth} color {color} interlace {interlace}")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def count_pixels(path, predicate, box=None):
    """Counts pixels (r, g, b) satisfying `predicate`, optionally inside box=(x0, y0, x1, y1)."""
    width, height, channels, rows = read_png(path)
    x0, y0, x1, y1 = box or (0, 0, width, height)
    count = 0
    for y in range(y0, min(y1, height)):
        row = rows[y]
        for x in range(x0, min(x1, width)):
            i = x * channels
            if predicate(row[i], row[i + 1], row[i + 2]):
                count += 1
    return count


def near(color, tolerance=40):
    """A predicate matching pixels within `tolerance` of a hex colour like '#3b6fd8'."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return lambda pr, pg, pb: abs(pr - r) <= tolerance and abs(pg - g) <= tolerance and abs(pb - b) <= tolerance
