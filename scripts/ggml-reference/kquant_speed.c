// GFLOP/s of llama.cpp's own AVX2 kernels for Gemma 3 270M's decode and prompt products, one
// thread, best of many batches (thread CPU time), for comparing with `switchyard kernel-bench`
// (scripts/ggml-reference/compare_speed.sh runs both, interleaved).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>

void ggml_cpu_init(void);
void quantize_row_q8_0(const float *x, void *y, int64_t k);
void quantize_row_q8_K(const float *x, void *y, int64_t k);
void ggml_quantize_mat_q8_K_4x8(const float *x, void *vy, int64_t k);
void ggml_vec_dot_q5_0_q8_0(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_vec_dot_q8_0_q8_0(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_vec_dot_q6_K_q8_K(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc);
void ggml_gemv_q4_K_8x8_q8_K(int n, float *s, size_t bs, const void *vx, const void *vy, int nr, int nc);
void ggml_gemm_q4_K_8x8_q8_K(int n, float *s, size_t bs, const void *vx, const void *vy, int nr, int nc);

static double now(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static double wall(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

enum { Q5_0, Q8_0, Q4_K, Q6_K };
static const char *names[] = { "q5_0", "q8_0", "q4_K", "q6_K" };
static const int block_bytes[] = { 22, 34, 144, 210 }, block_size[] = { 32, 32, 256, 256 };

static void product(int type, int rows, int cols, int tokens, const uint8_t *w, const float *x, uint8_t *q, float *out) {
    int blocks = cols / block_size[type];
    size_t rb = (size_t)blocks * block_bytes[type];
    if (type == Q4_K) {  // w is repacked (q4_K_8x8); as repack.cpp's forward_mul_mat_one_chunk
        int grouped = tokens - tokens % 4;
        size_t rowq = (size_t)blocks * 292;
        for (int t = 0; t < grouped; t += 4) ggml_quantize_mat_q8_K_4x8(x + (size_t)t * cols, q + t * rowq, cols);
        for (int t = grouped; t < tokens; t++) quantize_row_q8_K(x + (size_t)t * cols, q + t * rowq, cols);
        if (grouped) ggml_gemm_q4_K_8x8_q8_K(cols, out, rows, w, q, grouped, rows);
        for (int t = grouped; t < tokens; t++) ggml_gemv_q4_K_8x8_q8_K(cols, out + (size_t)t * rows, rows, w, q + t * rowq, 1, rows);
        return;
    }
    size_t rowq = type == Q6_K ? (size_t)blocks * 292 : (size_t)blocks * 34;
    for (int t = 0; t < tokens; t++) {
        if (type == Q6_K) quantize_row_q8_K(x + (size_t)t * cols, q + t * rowq, cols);
        else quantize_row_q8_0(x + (size_t)t * cols, q + t * rowq, cols);
    }
    for (int t = 0; t < tokens; t++)
        for (int r = 0; r < rows; r++) {
            float *s = out + (size_t)t * rows + r;
            const uint8_t *wr = w + r * rb, *qt = q + t * rowq;
            if (type == Q5_0) ggml_vec_dot_q5_0_q8_0(cols, s, 0, wr, 0, qt, 0, 1);
            else if (type == Q8_0) ggml_vec_dot_q8_0_q8_0(cols, s, 0, wr, 0, qt, 0, 1);
            else ggml_vec_dot_q6_K_q8_K(cols, s, 0, wr, 0, qt, 0, 1);
        }
}

static void bench(int type, int rows, int cols, int tokens) {
    int blocks = cols / block_size[type];
    size_t bytes = (size_t)rows * blocks * block_bytes[type];
    uint8_t *w = aligned_alloc(64, (bytes + 63) / 64 * 64);
    for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t)(i * 2654435761u >> 24);
    for (int b = 0; b < rows * blocks; b++) {  // sane scales: 0x2000 halves
        uint16_t h = 0x2000;
        if (type == Q6_K) memcpy(w + (size_t)b * 210 + 208, &h, 2);
        else if (type == Q4_K) { memcpy(w + (size_t)b * 144, &h, 2); memcpy(w + (size_t)b * 144 + 2, &h, 2); }
        else memcpy(w + (size_t)b * block_bytes[type], &h, 2);
    }
    // Q4_K repacked: the kernels only care about the bytes, not which row they came from.
    float *x = malloc(sizeof(float) * tokens * cols), *out = malloc(sizeof(float) * tokens * rows);
    for (int i = 0; i < tokens * cols; i++) x[i] = (float)(i % 97) / 97 - 0.5f;
    uint8_t *q = malloc((size_t)tokens * (cols / 256 + 1) * 1200 + 4096);
    double flops = 2.0 * rows * cols * tokens, best = 1e30;
    int reps = flops > 2e7 ? 1 : (int)(2e7 / flops);
    product(type, rows, cols, tokens, w, x, q, out);
    double deadline = wall() + 0.5;
    do {
        double start = now();
        for (int i = 0; i < reps; i++) product(type, rows, cols, tokens, w, x, q, out);
        double t = (now() - start) / reps;
        if (t < best) best = t;
    } while (wall() < deadline);
    printf("llama.cpp %s %dx%d tokens=%d threads=1: %.2f GFLOP/s\n", names[type], rows, cols, tokens, flops / best / 1e9);
    free(w); free(x); free(out); free(q);
}

int main(void) {
    ggml_cpu_init();
    int shapes[][2] = { { 2048, 640 }, { 640, 2048 } };
    for (int tokens = 1; tokens <= 64; tokens *= 64) {
        bench(Q5_0, 2048, 640, tokens);
        bench(Q8_0, 2048, 640, tokens);
        bench(Q4_K, 640, 2048, tokens);
        bench(Q6_K, 640, 2048, tokens);
    }
    (void)shapes;
    return 0;
}
