"""A model file the engine cannot run is refused at load with a message naming the problem, through
the CLI's doors (`serve --model PATH`, `run`, `engine-bench`): an architecture it does not implement
(named, with the supported ones listed) and a tensor the file's architecture requires."""
import os
import struct
import subprocess

import pytest

SUPPORTED = "supported: gemma3, llama, phi3, qwen2, qwen3"


def gguf_bytes(architecture: str, tensors: dict[str, list[int]]) -> bytes:
    """A minimal GGUF v3 file: one block of width 8 (2 heads of 4, 1 KV head), a 4-token
    SentencePiece vocabulary, and F32 tensors of the given shapes (ggml order) filled with 0.01."""
    def string(s: str) -> bytes:
        data = s.encode()
        return struct.pack("<Q", len(data)) + data

    def kv_u32(key: str, value: int) -> bytes:
        return string(key) + struct.pack("<II", 4, value)

    p = architecture + "."
    kvs = [
        string("general.architecture") + struct.pack("<I", 8) + string(architecture),
        kv_u32(p + "context_length", 64), kv_u32(p + "embedding_length", 8), kv_u32(p + "block_count", 1),
        kv_u32(p + "feed_forward_length", 16), kv_u32(p + "attention.head_count", 2),
        kv_u32(p + "attention.head_count_kv", 1),
        string(p + "attention.layer_norm_rms_epsilon") + struct.pack("<If", 6, 1e-6),
        string("tokenizer.ggml.model") + struct.pack("<I", 8) + string("llama"),
        string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 4)
        + b"".join(string(t) for t in ["<unk>", "<s>", "</s>", "\u2581a"]),
        string("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, 4) + struct.pack("<4f", 0, 0, 0, -1),
    ]
    header = struct.pack("<IIQQ", 0x46554747, 3, len(tensors), len(kvs)) + b"".join(kvs)
    infos, blobs, offset = b"", b"", 0
    for name, shape in tensors.items():
        count = 1
        for dim in shape:
            count *= dim
        data = struct.pack(f"<{count}f", *([0.01] * count))
        data += b"\0" * (-len(data) % 32)
        infos += string(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in shape)
        infos += struct.pack("<IQ", 0, offset)
        blobs += data
        offset += len(data)
    head = header + infos
    return head + b"\0" * (-len(head) % 32) + blobs


def qwen3_tensors(without: str | None = None) -> dict[str, list[int]]:
    tensors = {
        "token_embd.weight": [8, 4], "output_norm.weight": [8], "blk.0.attn_norm.weight": [8],
        "blk.0.attn_q.weight": [8, 8], "blk.0.attn_k.weight": [8, 4], "blk.0.attn_v.weight": [8, 4],
        "blk.0.attn_q_norm.weight": [4], "blk.0.attn_k_norm.weight": [4], "blk.0.attn_output.weight": [8, 8],
        "blk.0.ffn_norm.weight": [8], "blk.0.ffn_gate.weight": [8, 16], "blk.0.ffn_up.weight": [8, 16],
        "blk.0.ffn_down.weight": [16, 8],
    }
    tensors.pop(without, None)
    return tensors


@pytest.fixture
def cli(tmp_path):
    binary = os.environ.get("SWITCHYARD_BIN")
    if not binary:
        pytest.skip("SWITCHYARD_BIN is not set (scripts/test.sh sets it)")
    env = dict(os.environ, SWITCHYARD_HOME=str(tmp_path / "home"))

    def run(*args):
        return subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)

    return run


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_valid_qwen3_file_loads(cli, tmp_path):
    # The same writer's complete file is accepted: the failures below are the files' faults.
    path = write(tmp_path, "ok.gguf", gguf_bytes("qwen3", qwen3_tensors()))
    result = cli("run", "--model", path, "hello", "--max-tokens", "2", "--threads", "1")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["run", "hello"], ["engine-bench"]])
def test_unsupported_architecture_is_named_with_the_supported_ones(cli, tmp_path, command):
    path = write(tmp_path, "falcon.gguf", gguf_bytes("falcon", {"token_embd.weight": [8, 4]}))
    result = cli(command[0], "--model", path, *command[1:])
    assert result.returncode != 0
    assert "unsupported model: architecture 'falcon'" in result.stderr, result.stderr
    assert SUPPORTED in result.stderr, result.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["run", "hello"]])
def test_missing_tensor_is_named_with_the_architecture(cli, tmp_path, command):
    path = write(tmp_path, "qwen3.gguf", gguf_bytes("qwen3", qwen3_tensors(without="blk.0.attn_k_norm.weight")))
    result = cli(command[0], "--model", path, *command[1:])
    assert result.returncode != 0
    assert "missing tensor 'blk.0.attn_k_norm.weight' (architecture qwen3)" in result.stderr, result.stderr
