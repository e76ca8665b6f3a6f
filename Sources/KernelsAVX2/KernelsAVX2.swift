// The KernelsAVX2 module. See ../shared/DESIGN.md for its place in the whole.
enum KernelsAVX2Module {}
