import Foundation
import Hummingbird
import Limn
import LimnImage
import Synchronization

/// How `limn serve` runs.
package struct ServerSettings: Sendable {
    package var host = "127.0.0.1"
    /// 0: any free port (the one bound is passed to `serve`'s `running`).
    package var port = 8080
    /// Runs at once.
    package var jobs = 1
    /// Requests waiting for a run; more get 503.
    package var queue = 2
    /// Largest request body, bytes.
    package var maxUpload = 200 << 20
    /// A run taking longer is cancelled, seconds.
    package var timeout = 600.0
    /// Ended jobs and their results are kept this long, seconds.
    package var keep = 900.0

    package init() {}
}

/// Serves the HTTP API and the page with `processor` (its presets and `maxPixels`, over
/// which inputs get 422) until SIGTERM or SIGINT, then lets running work finish.
/// `running` gets the address once the server listens.
package func serve(_ settings: ServerSettings, processor: Processor,
                   running: @escaping @Sendable (String) -> Void) async throws {
    let template = NSTemporaryDirectory() + "/limn-serve-XXXXXX"
    var chars = Array(template.utf8CString)
    guard mkdtemp(&chars) != nil else { throw LimnError("cannot make a private folder in \(NSTemporaryDirectory())", kind: .output) }
    let folder = String(cString: chars)
    defer { try? FileManager.default.removeItem(atPath: folder) }

    let api = API(settings: settings, processor: processor, folder: folder)
    let app = Application(
        router: api.router(),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "limn"),
        services: [api.store],
        onServerRunning: { channel in
            running("http://\(settings.host):\(channel.localAddress?.port ?? settings.port)")
        })
    try await app.runService()
}

/// The routes and what they share.
final class API: Sendable {
    let settings: ServerSettings
    let processor: Processor
    let folder: String
    let slots: Slots
    let store: JobStore
    private let thumbnails = Mutex<[String: Data]>([:])

    init(settings: ServerSettings, processor: Processor, folder: String) {
        self.settings = settings
        self.processor = processor
        self.folder = folder
        slots = Slots(running: max(1, settings.jobs), waiting: max(0, settings.queue))
        store = JobStore(keep: settings.keep)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrors())
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/v1/presets") { _, _ in try self.presets() }
        router.get("/v1/styles/{name}/thumbnail") { _, context in
            try await self.thumbnail(try context.parameters.require("name"))
        }
        for op in ["upscale", "stylize", "enhance"] {
            router.post("/v1/\(op)") { request, _ in try await self.runNow(op, request) }
        }
        router.post("/v1/jobs") { request, _ in try await self.submit(request) }
        router.get("/v1/jobs/{id}") { _, context in try self.describe(try self.job(context)) }
        router.get("/v1/jobs/{id}/events") { _, context in self.events(try self.job(context)) }
        router.get("/v1/jobs/{id}/result") { _, context in try self.result(try self.job(context)) }
        router.delete("/v1/jobs/{id}") { _, context -> HTTPResponse.Status in
            guard let job = self.store.remove(try context.parameters.require("id")) else {
                throw Failure(.notFound, "no such job (finished jobs expire after \(Int(self.settings.keep)) s)")
            }
            job.control.cancel()
            job.status.update(.cancelled)
            return .noContent
        }
        return router
    }

    private func newPath(_ kind: String) -> String { folder + "/\(kind)-" + UUID().uuidString.lowercased() }

    /// The operation and output format the query asks for, and a place in line (503 when full).
    private func prepare(_ q: [String: String], op: String) throws -> (ImageOperation, OutputFormat, Slots.Ticket) {
        let operation = try operation(op, q)
        let format = try OutputFormat(q)
        return (operation, format, try slots.reserve())
    }

    private func receiveInput(_ request: Request, ticket: Slots.Ticket) async throws -> TemporaryFile {
        let input = TemporaryFile(newPath("in"))
        do {
            try await receive(request, into: input.path, limit: settings.maxUpload)
        } catch {
            ticket.cancel()
            throw error
        }
        return input
    }

    private func run(_ input: TemporaryFile, _ operation: ImageOperation, _ format: OutputFormat,
                     ticket: Slots.Ticket, control: RunControl,
                     started: @Sendable () -> Void = {}) async throws -> TemporaryFile {
        let base = newPath("out")
        let output = TemporaryFile(base + "." + format.suffix)
        do {
            try await ticket.run {
                started()
                try await process(processor, input.path, format.path(base), operation, control: control,
                                  timeout: settings.timeout)
            }
        } catch let error as LimnError {
            // Messages name the upload, never the server's own paths.
            throw LimnError(error.message.replacingOccurrences(of: input.path, with: "the upload")
                                .replacingOccurrences(of: base, with: "the result"), kind: error.kind)
        }
        return output
    }

    /// `POST /v1/{op}`: the image in the body, the result in the response.
    private func runNow(_ op: String, _ request: Request) async throws -> Response {
        let q = try parameters(request)
        let (operation, format, ticket) = try prepare(q, op: op)
        let input = try await receiveInput(request, ticket: ticket)
        let output = try await run(input, operation, format, ticket: ticket, control: RunControl())
        return Response(status: .ok, headers: [.contentType: format.contentType], body: try fileBody(output))
    }

    /// `POST /v1/jobs?op=...`: 202 with the job's id; the run goes on in the background.
    private func submit(_ request: Request) async throws -> Response {
        let q = try parameters(request)
        guard let op = q["op"] else { throw Failure.badParameter("jobs need op=upscale, stylize or enhance") }
        let (operation, format, ticket) = try prepare(q, op: op)
        let input = try await receiveInput(request, ticket: ticket)
        let job = Job()
        store.add(job)
        Task.detached {
            do {
                let output = try await self.run(input, operation, format, ticket: ticket, control: job.control) {
                    job.status.update(.running(0))
                }
                job.status.update(.done(output, format))
            } catch let error as LimnError where error.kind == .cancelled {
                job.status.update(.cancelled)
            } catch {
                job.status.update(.failed(Failure.from(error)))
            }
        }
        return json(["id": job.id, "events": "/v1/jobs/\(job.id)/events", "result": "/v1/jobs/\(job.id)/result"],
                    status: .accepted)
    }

    private func job(_ context: BasicRequestContext) throws -> Job {
        guard let job = store.job(try context.parameters.require("id")) else {
            throw Failure(.notFound, "no such job (finished jobs expire after \(Int(settings.keep)) s)")
        }
        return job
    }

    private func describe(_ job: Job) throws -> Response {
        switch job.status.current {
        case .queued: json(["state": "queued"])
        case .running(let f): json(["state": "running", "progress": f])
        case .done: json(["state": "done", "result": "/v1/jobs/\(job.id)/result"])
        case .failed(let f): json(["state": "failed", "status": Int(f.status.code), "error": f.message])
        case .cancelled: json(["state": "cancelled"])
        }
    }

    /// Server-sent events: `progress` (data: {"progress": 0.42}) as the run goes, then
    /// one of `done`, `error` or `cancelled`.
    private func events(_ job: Job) -> Response {
        let id = job.id
        let stream = job.status.events()
        let body = ResponseBody { writer in
            for await state in stream {
                let (event, data): (String, [String: any Sendable]) = switch state {
                case .queued: ("queued", [:])
                case .running(let f): ("progress", ["progress": f])
                case .done: ("done", ["result": "/v1/jobs/\(id)/result"])
                case .failed(let f): ("error", ["status": Int(f.status.code), "error": f.message])
                case .cancelled: ("cancelled", [:])
                }
                try await writer.write(ByteBuffer(string: "event: \(event)\ndata: \(encode(data))\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    private func result(_ job: Job) throws -> Response {
        switch job.status.current {
        case .done(let file, let format):
            return Response(status: .ok, headers: [.contentType: format.contentType], body: try fileBody(file))
        case .failed(let f): return f.response
        case .cancelled: throw Failure(.gone, "the job was cancelled")
        case .queued, .running: throw Failure(.conflict, "not finished yet: follow /v1/jobs/\(job.id)/events")
        }
    }

    /// The styles (with their paintings' credits and licences) and the networks.
    private func presets() throws -> Response {
        let styles = try processor.styleEntries().map {
            ["name": $0.name, "description": $0.description, "thumbnail": "/v1/styles/\($0.name)/thumbnail"]
        }
        let networks = processor.presets.entries.filter { $0.task != "style" }.map {
            ["name": $0.name, "task": $0.task, "description": $0.description]
        }
        let upscalers = UpscaleModel.allCases.map { model -> [String: String] in
            switch model {
            case .photo: ["model": "photo", "description": "networks trained on real-photo degradations (blur, noise, JPEG); x2, x3, x4"]
            case .fidelity: ["model": "fidelity", "description": "networks trained on clean bicubic downscales; x2, x3, x4"]
            case .lanczos: ["model": "lanczos", "description": "lanczos3 resampling, no network; any factor up to 8"]
            }
        }
        return json(["styles": styles, "upscalers": upscalers, "networks": networks])
    }

    /// A small picture painted in the style, made once.
    private func thumbnail(_ name: String) async throws -> Response {
        guard try processor.styleEntries().contains(where: { $0.name == name }) else {
            throw Failure(.notFound, "no style '\(name)'")
        }
        let cached = thumbnails.withLock { $0[name] }
        let jpeg: Data
        if let cached {
            jpeg = cached
        } else {
            let input = Data(base64Encoded: thumbnailSample, options: .ignoreUnknownCharacters)!
            jpeg = try await withCheckedThrowingContinuation { c in
                DispatchQueue.global().async {
                    c.resume(with: Result { try self.processor.process(input, .stylize([StyleWeight(StyleName(rawValue: name))]),
                                                                  format: "jpg[Q=85]") })
                }
            }
            thumbnails.withLock { $0[name] = jpeg }
        }
        return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "max-age=86400"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: jpeg)))
    }
}

/// `value` as compact JSON.
func encode(_ value: Any) -> String {
    (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]))
        .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}

func json(_ value: Any, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: ResponseBody(byteBuffer: ByteBuffer(string: encode(value) + "\n")))
}

extension Failure {
    /// Any error a route throws, as the failure the client sees.
    static func from(_ error: Error) -> Failure {
        switch error {
        case let f as Failure: f
        case let e as LimnError: Failure(e)
        case let e as HTTPError: Failure(e.status, e.body ?? e.status.reasonPhrase)
        default: Failure(.badRequest, "\(error)")
        }
    }
}

/// Every error as `{"error": "..."}` with its status.
struct JSONErrors<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Failure.from(error).response
        }
    }
}
