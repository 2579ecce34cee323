import Foundation
import LimnImage

/// What a job applies: the working image in, the result out; work done before
/// the output streams (a kernel estimate) reports to the run's control.
package typealias JobOperation = @Sendable (WorkingImage, RunControl?) throws -> WorkingImage

/// One run of an operation: read, convert to the working space, apply,
/// convert back, write.
package struct Job: Sendable {
    package var reader: ImageReader
    package var writer: ImageWriter

    package init(reader: ImageReader, writer: ImageWriter) {
        self.reader = reader
        self.writer = writer
    }

    /// Reads `source`, applies `operation` and writes the result to `destination`.
    package func run(_ source: ImageSource, to destination: ImageDestination,
                    _ operation: JobOperation) throws {
        try destination.validate()
        let output = try apply(operation, to: source)
        do {
            try writer.write(output, to: destination)
        } catch let error as LimnError {
            throw error.naming("\(source) → \(destination)")
        }
    }

    /// Reads `source`, applies `operation` and returns the result encoded as
    /// `format` ("png", "jpg[Q=90]", "webp", "tif").
    package func encode(_ source: ImageSource, format: String,
                       _ operation: JobOperation) throws -> Data {
        try ImageDestination.standardOutput(format: format).validate()
        let output = try apply(operation, to: source)
        do {
            return try writer.encode(output, format: format)
        } catch let error as LimnError {
            throw error.naming("\(source)")
        }
    }

    private func apply(_ operation: JobOperation, to source: ImageSource) throws -> Image {
        try writer.control?.check()
        let image = try reader.read(source)
        do {
            let result = try operation(WorkingImage(image), writer.control)
            try writer.control?.check()
            return try result.composed()
        } catch let error as LimnError where error.kind != .cancelled && !error.message.hasPrefix("\(source): ") {
            // Operations that read the pixels before the writer (a statistics pass, a
            // kernel estimate) meet a damaged input here: say which.
            throw error.naming("\(source)")
        }
    }
}
