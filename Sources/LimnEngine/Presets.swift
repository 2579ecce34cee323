import Foundation

/// The shipped networks: `Presets/manifest.json` lists each file with its
/// task, description and SHA-256, which is checked before the file is used.
package struct PresetManifest: Sendable {
    package struct Entry: Codable, Sendable {
        package let name: String
        package let task: String
        package let file: String
        package let sha256: String
        package let description: String
    }

    package let folder: String
    package let entries: [Entry]

    package init(folder: String) throws {
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

    package func entry(_ name: String, task: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name && $0.task == task }) else {
            let known = entries.filter { $0.task == task }.map(\.name)
            throw EngineError("no \(task) preset '\(name)'" + (known.isEmpty ? "" : "; known: \(known.joined(separator: ", "))")
                              + "; presets from \(folder)")
        }
        return e
    }

    /// Loads a preset's network after checking its hash.
    package func load(_ name: String, task: String) throws -> any Network {
        let e = try entry(name, task: task)
        let path = folder + "/" + e.file
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw EngineError("\(path): cannot read preset '\(name)'")
        }
        let hash = SHA256.hex(data)
        guard hash == e.sha256.lowercased() else {
            throw EngineError("\(path): checksum mismatch (file damaged or replaced): sha256 \(hash), manifest says \(e.sha256)")
        }
        return try Architectures.load(Weights(SafeTensorsFile(data: data, name: path)), name: path, task: task)
    }
}
