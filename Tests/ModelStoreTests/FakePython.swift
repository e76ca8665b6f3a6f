import Foundation

/// Shell scripts standing in for `python3`, to drive the pip wheel source without a network.
enum FakePython {
    /// Writes an executable script `python3` in `directory` with `body` after the shebang.
    static func write(in directory: URL, body: String) throws -> URL {
        let url = directory.appendingPathComponent("python3")
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url
    }

    /// A `python3 -m pip download ... -d DIR req` that prints as pip does and copies `wheel`
    /// into DIR (in two steps through $TMPDIR, as pip does).
    static func downloading(_ wheel: URL, in directory: URL) throws -> URL {
        try write(in: directory, body: """
            dest=""
            while [ $# -gt 0 ]; do
              if [ "$1" = "-d" ]; then dest="$2"; shift; fi
              shift
            done
            echo "Collecting llm-tiny.Test==1.0.0"
            echo "  Downloading llm_tiny_test-1.0.0-py3-none-any.whl (2.5 MB)"
            cp "\(wheel.path)" "$TMPDIR/partial.whl"
            cp "$TMPDIR/partial.whl" "$dest/\(wheel.lastPathComponent)"
            echo "Saved $dest/\(wheel.lastPathComponent)"
            echo "Successfully downloaded llm-tiny.Test"
            """)
    }
}
