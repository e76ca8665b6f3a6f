// The Tokenization module. See ../shared/DESIGN.md for its place in the whole.
enum TokenizationModule {}
