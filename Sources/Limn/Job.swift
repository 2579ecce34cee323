import Foundation
import LimnImage

/// What a job applies: the working image in, the result out; work done before
/// the output streams (a kernel estimate) reports to the run's control.
package typealias JobOperation = @Sendable (WorkingImage, RunControl?) throws -> WorkingImage

/// How an operation reads its input.
package enum InputAccess: Sendable {
    /// Once, top to bottom: the image streams.
    case sequential
    /// Top to bottom, after a look at the picture (`WorkingImage.preview`, a second read of the
    /// source: instance-norm statistics, a kernel estimate). A source that cannot be read twice
    /// (a pipe), or a picture with alpha, is read in any order.
    case sequentialAfterPreview
}

/// One run of an operation: read, convert to the working space, apply,
/// convert back, write.
package struct Job: Sendable {
    package var reader: ImageReader
    package var writer: ImageWriter
    package var access: InputAccess

    /// `access`, not `reader.sequential`, decides how each source is read.
    package init(reader: ImageReader, writer: ImageWriter, access: InputAccess) {
        self.reader = reader
        self.writer = writer
        self.access = access
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
        var reader = self.reader
        var twice = access == .sequentialAfterPreview && source.canBeReadTwice
        reader.sequential = access == .sequential || twice
        let image = try reader.read(source)
        do {
            var working = try WorkingImage(image)
            if twice && working.alpha != nil {
                // Filling hidden colour looks far around each pixel: such a picture is kept whole.
                (reader.sequential, twice) = (false, false)
                working = try WorkingImage(reader.read(source))
            }
            if twice { working.preview = { [reader] in try WorkingImage(reader.read(source)) } }
            let result = try operation(working, writer.control)
            try writer.control?.check()
            return try result.composed()
        } catch let error as LimnError where error.kind != .cancelled && !error.message.hasPrefix("\(source): ") {
            // Operations that read the pixels before the writer (a statistics pass, a
            // kernel estimate) meet a damaged input here: say which.
            throw error.naming("\(source)")
        }
    }
}
