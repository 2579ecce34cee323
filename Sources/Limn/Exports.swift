// `import Limn` is enough to use the library: the types its API takes and
// returns (`LimnError`, `RunControl`, `WorkingImage`, `PresetManifest`, ...)
// live in these modules.
@_exported import LimnEngine
@_exported import LimnImage
