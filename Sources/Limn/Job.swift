import LimnImage

/// One run of an operation: read, convert to the working space, apply,
/// convert back, write.
public struct Job: Sendable {
    public var reader: ImageReader
    public var writer: ImageWriter

    public init(reader: ImageReader, writer: ImageWriter) {
        self.reader = reader
        self.writer = writer
    }

    public func run(_ source: ImageSource, to destination: ImageDestination,
                    _ operation: (WorkingImage) throws -> WorkingImage) throws {
        try destination.validate()
        let image = try reader.read(source)
        let result = try operation(WorkingImage(image))
        let output = try result.composed()
        do {
            try writer.write(output, to: destination)
        } catch let error as LimnError {
            throw LimnError("\(source) → \(destination): \(error.message)")
        }
    }
}
