// Intentionally empty: this system-library target only supplies libvips'
// pkg-config flags and link lines. The vips headers are included once, by
// CLimnVips, which is the one module Swift code imports.
