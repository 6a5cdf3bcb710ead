#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file found under the paths a batch job was given.
public struct BatchFile: Sendable, Equatable {
    /// The path as found (a root, or a root joined with the names below it).
    public let path: String
    /// The file's place in a mirrored output tree, as `cp -r` would place it: a folder root's name
    /// and the path below it, or a file root's name.
    public let relativePath: String
    public let size: Int
}

/// The files of a batch job: roots walked recursively, each file once.
public struct FileTree {
    public private(set) var files: [BatchFile] = []
    /// What was left out and why (symlinks, special files, temporary files of an interrupted run).
    public private(set) var notes: [String] = []
    /// Paths that could not be read; the job reports them as errors.
    public private(set) var errors: [String] = []

    private let followSymlinks: Bool
    private let excluded: String?
    private var seen = Set<[UInt64]>()  // device and inode: each file once, and no symlink loop

    /// `excluding`: a folder never walked into (the output tree, when it lies inside an input).
    public init(roots: [String], followSymlinks: Bool, excluding: String? = nil) {
        self.followSymlinks = followSymlinks
        excluded = excluding.flatMap(Self.realPath)
        for root in roots {
            let trimmed = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
            visit(trimmed, relative: Self.lastComponent(of: trimmed), isRoot: true)
        }
    }

    private mutating func visit(_ path: String, relative: String, isRoot: Bool) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            errors.append("\(path): \(String(cString: strerror(errno)))")
            return
        }
        if info.st_mode & S_IFMT == S_IFLNK {
            // A root named on the command line is followed: the user asked for it by name.
            guard followSymlinks || isRoot else {
                notes.append("\(path): symbolic link, skipped (use --follow-symlinks)")
                return
            }
            guard stat(path, &info) == 0 else {
                errors.append("\(path): \(String(cString: strerror(errno)))")
                return
            }
        }
        guard seen.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else { return }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            let name = Self.lastComponent(of: path)
            if let owner = AtomicFileWriter.temporaryFileOwner(name) {
                removeIfAbandoned(path, owner: owner)
                return
            }
            files.append(BatchFile(path: path, relativePath: relative, size: Int(info.st_size)))
        case S_IFDIR:
            if let excluded, Self.realPath(path) == excluded {
                notes.append("\(path): the output folder, skipped")
                return
            }
            guard let directory = opendir(path) else {
                errors.append("\(path): \(String(cString: strerror(errno)))")
                return
            }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names.sorted() {
                visit(path == "/" ? "/" + name : path + "/" + name, relative: relative + "/" + name, isRoot: false)
            }
        default:
            notes.append("\(path): not a regular file, skipped")
        }
    }

    /// Keeps only the files `include` accepts (a shard of the tree).
    public mutating func keep(where include: (BatchFile) -> Bool) {
        files = files.filter(include)
    }

    /// A temporary file of a run that was killed is removed; one of a running job is left alone.
    private mutating func removeIfAbandoned(_ path: String, owner: pid_t) {
        if kill(owner, 0) == 0 || errno == EPERM {
            notes.append("\(path): temporary file of running process \(owner), skipped")
        } else if unlink(path) == 0 {
            notes.append("\(path): temporary file of an interrupted run, removed")
        } else {
            errors.append("\(path): cannot remove a stale temporary file: \(String(cString: strerror(errno)))")
        }
    }

    static func lastComponent(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
