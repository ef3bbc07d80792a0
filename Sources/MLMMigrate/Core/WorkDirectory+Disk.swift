import Foundation

extension WorkDirectory {
    /// Bytes of the stage files (`extract/`, `cleanse/`, `transform/`) on disk now: what a
    /// run's work directory costs beyond the export, logged after each stage.
    public var stageFileBytes: Int {
        var total = 0
        for directory in StageFile.stageDirectories {
            let root = file(directory)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
                var status = stat()
                if lstat(root + "/" + name, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG { total += Int(status.st_size) }
            }
        }
        return total
    }
}
