"""Reads the key/value metadata of a GGUF file (format version 2 or 3) with the standard library,
for tests that need what a model file says about itself (its BOS/EOS token text, for one)."""
import struct

# GGUF value types: id -> struct format (scalars), 8 = string, 9 = array.
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def read_metadata(path: str) -> dict:
    with open(path, "rb") as file:
        data = file.read(64 << 20)  # the metadata (vocabularies included) comes first
    offset = 0

    def take(fmt):
        nonlocal offset
        (value,) = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return value

    def string():
        nonlocal offset
        length = take("<Q")
        text = data[offset:offset + length].decode("utf-8", errors="replace")
        offset += length
        return text

    def value(kind):
        if kind in _SCALARS:
            return take(_SCALARS[kind])
        if kind == 8:
            return string()
        if kind == 9:
            element, count = take("<I"), take("<Q")
            return [value(element) for _ in range(count)]
        raise ValueError(f"unknown GGUF value type {kind} in {path}")

    if data[:4] != b"GGUF":
        raise ValueError(f"{path} is not a GGUF file")
    offset = 4
    take("<I")  # version
    take("<Q")  # tensor count
    count = take("<Q")
    metadata = {}
    for _ in range(count):
        key = string()
        metadata[key] = value(take("<I"))
    return metadata


def special_token_texts(path: str) -> tuple[str, str]:
    """The BOS and EOS tokens' text ("" where the file names none), as the server passes them to templates."""
    metadata = read_metadata(path)
    tokens = metadata.get("tokenizer.ggml.tokens", [])

    def text(key):
        index = metadata.get(key)
        return tokens[index] if index is not None and index < len(tokens) else ""

    return text("tokenizer.ggml.bos_token_id"), text("tokenizer.ggml.eos_token_id")
