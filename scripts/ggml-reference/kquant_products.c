// Writes Tests/KernelsTests/Fixtures/ggml_products.bin: random weights in the Q5_0, Q5_1, Q4_K
// and Q6_K layouts, random activations, and the products that llama.cpp's AVX2 build computes
// for them with the kernels it really runs (see scripts/ggml-reference/README.md).
// Build and run: scripts/ggml-reference/make_fixture.sh
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ggml-cpu's exported kernels (build 0c1e570).
void ggml_cpu_init(void);
void quantize_row_q8_0(const float *x, void *y, int64_t k);
void quantize_row_q8_1(const float *x, void *y, int64_t k);
void quantize_row_q8_K(const float *x, void *y, int64_t k);
void ggml_quantize_mat_q8_K_4x8(const float *x, void *vy, int64_t k);
void ggml_vec_dot_q5_0_q8_0(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_vec_dot_q5_1_q8_1(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_vec_dot_q6_K_q8_K(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_gemv_q4_K_8x8_q8_K(int n, float *s, size_t bs, const void *vx, const void *vy, int nr, int nc);
void ggml_gemm_q4_K_8x8_q8_K(int n, float *s, size_t bs, const void *vx, const void *vy, int nr, int nc);

enum { Q5_0 = 6, Q5_1 = 7, Q4_K = 12, Q6_K = 14 };

static uint64_t state = 0x2545F4914F6CDD1DULL;
static uint64_t next(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return state;
}
static float uniform(float lo, float hi) { return lo + (hi - lo) * (float)(next() >> 40) / (float)(1 << 24); }
static uint16_t half(float x) { return _cvtss_sh(x, 0); }
static void random_bytes(uint8_t *p, int n) { for (int i = 0; i < n; i++) p[i] = (uint8_t)next(); }

static int block_bytes(int type) {
    switch (type) { case Q5_0: return 22; case Q5_1: return 24; case Q4_K: return 144; default: return 210; }
}
static int block_size(int type) { return type == Q5_0 || type == Q5_1 ? 32 : 256; }

static void random_block(int type, uint8_t *b) {
    random_bytes(b, block_bytes(type));
    uint16_t h;
    switch (type) {
    case Q5_0: h = half(uniform(0.001f, 0.05f)); memcpy(b, &h, 2); break;
    case Q5_1:
        h = half(uniform(0.001f, 0.05f)); memcpy(b, &h, 2);
        h = half(uniform(-0.4f, 0.1f)); memcpy(b + 2, &h, 2); break;
    case Q4_K:
        h = half(uniform(0.0005f, 0.003f)); memcpy(b, &h, 2);
        h = half(uniform(0.0005f, 0.003f)); memcpy(b + 2, &h, 2); break;
    case Q6_K: h = half(uniform(0.0001f, 0.001f)); memcpy(b + 208, &h, 2); break;
    }
}

// repack.cpp's make_block_q4_Kx8 (interleave 8), for eight consecutive rows' super-block.
static void make_block_q4_Kx8(const uint8_t *in[8], uint8_t *out) {
    for (int i = 0; i < 8; i++) memcpy(out + 2 * i, in[i], 2);
    for (int i = 0; i < 8; i++) memcpy(out + 16 + 2 * i, in[i] + 2, 2);
    uint8_t *scales = out + 32, *qs = out + 128;
    for (int i = 0; i < 128; ++i) memcpy(qs + 8 * i, in[i % 8] + 16 + (i / 8) * 8, 8);
    uint8_t s[8], m[8];
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 8; j++) {
                const uint8_t *sc = in[j] + 4;
                if (pass == 0) { s[j] = sc[i] & 63; m[j] = sc[i + 4] & 63; }
                else {
                    s[j] = ((sc[i] & 192) >> 2) | (sc[i + 8] & 15);
                    m[j] = ((sc[i + 4] & 192) >> 2) | ((sc[i + 8] & 240) >> 4);
                }
            }
            uint8_t *o = scales + 48 * pass + 12 * i;
            for (int k = 0; k < 4; k++) {
                o[k] = (s[k] & 63) + ((s[k + 4] & 48) << 2);
                o[k + 4] = (m[k] & 63) + ((m[k + 4] & 48) << 2);
                o[k + 8] = (s[k + 4] & 15) + ((m[k + 4] & 15) << 4);
            }
        }
    }
}

// mode 0: one token at a time (vec_dot, or gemv for Q4_K); mode 1: Q4_K as one llama.cpp batch,
// as repack.cpp's forward_mul_mat_one_chunk does it: gemm for the first tokens - tokens % 4
// (activations quantized four tokens at a time), gemv for the rest.
static void write_case(FILE *f, int type, int rows, int columns, int tokens, int mode) {
    int blocks = columns / block_size(type), rb = blocks * block_bytes(type);
    uint8_t *w = malloc((size_t)rows * rb);
    float *x = malloc(sizeof(float) * tokens * columns), *out = malloc(sizeof(float) * tokens * rows);
    for (int i = 0; i < rows * blocks; i++) random_block(type, w + (size_t)i * block_bytes(type));
    for (int i = 0; i < tokens * columns; i++) {
        float v = uniform(-1, 1);
        x[i] = next() % 50 == 0 ? v * 20 : v;
    }
    uint8_t *q = calloc(1, (size_t)tokens * blocks * 1200 + 4096);
    if (type == Q4_K) {
        uint8_t *packed = malloc((size_t)rows * rb);
        for (int g = 0; g < rows / 8; g++)
            for (int b = 0; b < blocks; b++) {
                const uint8_t *in[8];
                for (int i = 0; i < 8; i++) in[i] = w + (size_t)(8 * g + i) * rb + (size_t)b * 144;
                make_block_q4_Kx8(in, packed + ((size_t)g * blocks + b) * 1152);
            }
        int grouped = mode == 1 ? tokens - tokens % 4 : 0;
        if (grouped > 0) {
            size_t rowq = (size_t)blocks * 292;
            for (int t = 0; t < grouped; t += 4) ggml_quantize_mat_q8_K_4x8(x + (size_t)t * columns, q + t * rowq, columns);
            ggml_gemm_q4_K_8x8_q8_K(columns, out, rows, packed, q, grouped, rows);
        }
        {
            for (int t = grouped; t < tokens; t++) {
                quantize_row_q8_K(x + (size_t)t * columns, q, columns);
                ggml_gemv_q4_K_8x8_q8_K(columns, out + (size_t)t * rows, rows, packed, q, 1, rows);
            }
        }
        free(packed);
    } else {
        for (int t = 0; t < tokens; t++) {
            const float *xt = x + (size_t)t * columns;
            if (type == Q5_0) quantize_row_q8_0(xt, q, columns);
            else if (type == Q5_1) quantize_row_q8_1(xt, q, columns);
            else quantize_row_q8_K(xt, q, columns);
            for (int r = 0; r < rows; r++) {
                const uint8_t *wr = w + (size_t)r * rb;
                float *s = out + (size_t)t * rows + r;
                if (type == Q5_0) ggml_vec_dot_q5_0_q8_0(columns, s, 0, wr, 0, q, 0, 1);
                else if (type == Q5_1) ggml_vec_dot_q5_1_q8_1(columns, s, 0, wr, 0, q, 0, 1);
                else ggml_vec_dot_q6_K_q8_K(columns, s, 0, wr, 0, q, 0, 1);
            }
        }
    }
    uint32_t header[5] = { type, rows, columns, tokens, mode };
    fwrite(header, 4, 5, f);
    fwrite(w, 1, (size_t)rows * rb, f);
    fwrite(x, 4, (size_t)tokens * columns, f);
    fwrite(out, 4, (size_t)tokens * rows, f);
    free(w); free(x); free(out); free(q);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s OUTPUT\n", argv[0]); return 2; }
    ggml_cpu_init();
    FILE *f = fopen(argv[1], "wb");
    if (!f) { perror(argv[1]); return 1; }
    fwrite("GGMLPRD1", 1, 8, f);
    write_case(f, Q5_0, 37, 96, 3, 0);
    write_case(f, Q5_0, 16, 640, 1, 0);
    write_case(f, Q5_1, 13, 160, 2, 0);
    write_case(f, Q6_K, 19, 512, 3, 0);
    write_case(f, Q6_K, 8, 2048, 1, 0);
    write_case(f, Q4_K, 16, 512, 3, 0);
    write_case(f, Q4_K, 8, 2048, 1, 0);
    write_case(f, Q4_K, 24, 768, 8, 1);
    write_case(f, Q4_K, 16, 512, 7, 1);
    fclose(f);
    return 0;
}
