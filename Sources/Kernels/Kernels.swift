// The Kernels module. See ../shared/DESIGN.md for its place in the whole.
enum KernelsModule {}
