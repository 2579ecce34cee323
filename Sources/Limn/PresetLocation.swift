import Foundation
import LimnEngine

extension PresetManifest {
    /// Where the shipped presets are looked for, in order: `explicit` (the CLI's
    /// `--presets`), `$LIMN_PRESETS`, `share/limn/presets` beside the running
    /// executable's `bin` (the real file, through /proc/self/exe: an installed
    /// prefix), then the `Presets/` of the source checkout this was built from.
    /// The first two are taken as given; the others only when they hold a manifest.
    package static func installed(explicit: String? = nil) throws -> PresetManifest {
        if let explicit { return try PresetManifest(folder: explicit) }
        if let env = ProcessInfo.processInfo.environment["LIMN_PRESETS"], !env.isEmpty {
            return try PresetManifest(folder: env)
        }
        let places = searchedFolders
        for folder in places where FileManager.default.fileExists(atPath: folder + "/manifest.json") {
            return try PresetManifest(folder: folder)
        }
        throw EngineError("no presets found: looked in --presets (not given), $LIMN_PRESETS (unset), "
                          + places.joined(separator: ", "))
    }

    /// The folders searched after --presets and $LIMN_PRESETS.
    static var searchedFolders: [String] {
        var places: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let prefix = URL(fileURLWithPath: exe).deletingLastPathComponent().deletingLastPathComponent()
            places.append(prefix.appendingPathComponent("share/limn/presets").path)
        }
        // Sources/Limn/PresetLocation.swift -> the checkout's Presets/.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        places.append(checkout.appendingPathComponent("Presets").path)
        return places
    }
}
