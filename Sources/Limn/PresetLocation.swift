import Foundation
import LimnEngine

extension PresetManifest {
    /// The shipped presets: $LIMN_PRESETS, else the nearest `Presets/` folder
    /// (with a manifest) above the running executable, as in a source checkout,
    /// else /usr/local/share/limn/Presets.
    public static func installed() throws -> PresetManifest {
        if let env = ProcessInfo.processInfo.environment["LIMN_PRESETS"], !env.isEmpty {
            return try PresetManifest(folder: env)
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("Presets")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("manifest.json").path) {
                return try PresetManifest(folder: candidate.path)
            }
            dir = dir.deletingLastPathComponent()
        }
        return try PresetManifest(folder: "/usr/local/share/limn/Presets")
    }
}
