// swift-tools-version:6.0
// Coverage-guided fuzzing (libFuzzer) of the parsers hostile bytes reach: weights
// files (safetensors and the network built from them) and images (every format
// libvips reads, `.v` streams, colour handling). Built and run by Fuzz/run.sh,
// which passes the sanitizer flags to every module, Limn's included; the main
// package never sees them.
import PackageDescription

let package = Package(
    name: "limn-fuzz",
    dependencies: [.package(name: "Limn", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "fuzz-weights", dependencies: ["FuzzDriver", .product(name: "Limn", package: "Limn")]),
        .executableTarget(name: "fuzz-image", dependencies: ["FuzzDriver", .product(name: "Limn", package: "Limn")]),
    ]
)
