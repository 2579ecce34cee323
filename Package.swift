// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Limn",
    products: [
        .executable(name: "limn", targets: ["LimnCLI"]),
        // The operations, and the image and engine modules their public API uses.
        .library(name: "Limn", targets: ["Limn", "LimnImage", "LimnEngine"]),
        .executable(name: "limn-bench", targets: ["LimnBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        // libvips headers and library, found through pkg-config.
        .systemLibrary(
            name: "CVips", pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]),
        // Fixed-arity wrappers for the variadic vips calls, plus the demand-driven
        // operations written in C (lanczos resampler, tiled block operator).
        // Swift imports libvips through this module only: vips.h is textual, so
        // a second module including it would own its declarations by chance.
        .target(name: "CLimnVips", dependencies: ["CVips"]),
        // oneDNN's headers and library (Debian libdnnl-dev; it ships no pkg-config file).
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // Compute kernels: convolution through oneDNN, plain C for the memory-bound
        // operations around it. libgomp is oneDNN's threading runtime.
        .target(
            name: "CLimnEngine", dependencies: ["CDNNL"],
            linkerSettings: [.linkedLibrary("gomp"), .linkedLibrary("m")]),
        // Tensors, operations, weights files and network architectures.
        .target(name: "LimnEngine", dependencies: ["CLimnEngine", "CDNNL"]),
        // Everything libvips: load, colour, metadata, save, tiled operator.
        .target(name: "LimnImage", dependencies: ["CLimnVips"]),
        // The operations the commands run.
        .target(name: "Limn", dependencies: ["LimnImage", "LimnEngine"]),
        // `limn serve`: the HTTP API and the page, on Hummingbird; only the executable
        // links it, never the Limn library product.
        .target(
            name: "LimnServer",
            dependencies: ["Limn", "LimnImage", .product(name: "Hummingbird", package: "hummingbird")]),
        // The `limn` command line.
        .executableTarget(
            name: "LimnCLI",
            dependencies: [
                "Limn", "LimnImage", "LimnEngine", "LimnServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Measurements kept out of the tests: `limn-bench`.
        .executableTarget(name: "LimnBench", dependencies: ["Limn", "LimnImage", "LimnEngine", "CLimnEngine"]),
        .testTarget(name: "LimnImageTests", dependencies: ["LimnImage", "Limn", "CLimnVips"]),
        .testTarget(name: "LimnEngineTests", dependencies: ["LimnEngine", "CLimnEngine"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "LimnTests", dependencies: ["Limn", "LimnImage", "LimnEngine"]),
        .testTarget(name: "LimnCLITests", dependencies: ["LimnCLI", "LimnImage", "LimnEngine", "Limn", "CLimnVips"]),
        .testTarget(name: "LimnServerTests", dependencies: ["LimnCLI", "LimnImage"]),
    ]
)
