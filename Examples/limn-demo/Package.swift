// swift-tools-version:6.0
// A package that uses Limn as a library: upscales, stylizes and enhances an image
// from code. Limn comes from this checkout; a project of your own would write
//   .package(url: "https://…/limn.git", from: "0.2.0")
// and depend on .product(name: "Limn", package: "limn").
import Foundation
import PackageDescription

let limn = Package.Dependency.package(path: "../..")

/// SwiftPM names a dependency by its folder's or URL's last component, which for this
/// checkout is whatever it was cloned as.
func identity(of dependency: Package.Dependency) -> String {
    switch dependency.kind {
    case .fileSystem(_, let path):
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: Context.packageDirectory + "/"))
            .standardizedFileURL.lastPathComponent.lowercased()
    case .sourceControl(_, let location, _):
        return URL(string: location).map { $0.deletingPathExtension().lastPathComponent.lowercased() } ?? location
    default:
        return "limn"
    }
}

let package = Package(
    name: "limn-demo",
    dependencies: [limn],
    targets: [
        .executableTarget(name: "limn-demo", dependencies: [.product(name: "Limn", package: identity(of: limn))]),
    ]
)
