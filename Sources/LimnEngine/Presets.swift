import Foundation

/// The shipped networks: `Presets/manifest.json` lists each file with its
/// task, description and SHA-256, which is checked before the file is used.
public struct PresetManifest: Sendable {
    public struct Entry: Codable, Sendable {
        public let name: String
        public let task: String
        public let file: String
        public let sha256: String
        public let description: String
    }

    public let folder: String
    public let entries: [Entry]

    public init(folder: String) throws {
        let path = folder + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError("\(path): cannot read the preset manifest")
        }
        do {
            entries = try JSONDecoder().decode([Entry].self, from: data)
        } catch {
            throw EngineError("\(path): not a valid preset manifest (\(error))")
        }
        self.folder = folder
    }

    public func entry(_ name: String, task: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name && $0.task == task }) else {
            let known = entries.filter { $0.task == task }.map(\.name)
            throw EngineError("no \(task) preset '\(name)'" + (known.isEmpty ? "" : "; known: \(known.joined(separator: ", "))")
                              + "; presets from \(folder)")
        }
        return e
    }

    /// Loads a preset's network after checking its hash.
    public func load(_ name: String, task: String) throws -> any Network {
        let e = try entry(name, task: task)
        let path = folder + "/" + e.file
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw EngineError("\(path): cannot read preset '\(name)'")
        }
        let hash = SHA256.hex(data)
        guard hash == e.sha256.lowercased() else {
            throw EngineError("\(path): checksum mismatch (file damaged or replaced): sha256 \(hash), manifest says \(e.sha256)")
        }
        return try Architectures.load(Weights(SafeTensorsFile(data: data, name: path)), name: path)
    }
}
