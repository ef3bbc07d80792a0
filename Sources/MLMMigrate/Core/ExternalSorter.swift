import CLinux
import Glibc

/// Sorts more records than fit in memory: each record is a key and a payload (bytes), ordered
/// by key bytes (unsigned, a shorter key before its extensions), equal keys in the order they
/// were added. Records gather in half of a fixed memory budget; a full half is sorted and
/// spilled to a scratch run file on a thread of its own while the caller fills the other half,
/// and `finish` merges the runs, so memory stays flat in the record count.
///
/// Input that is mostly in order already (an export in transaction-id order) skips the sort: a
/// record whose key is not below the last such record's goes straight to a run of its own as
/// it comes; only the others are gathered and sorted. The merge gives that run's records first
/// among equal keys, which is their order of addition: any other record with the same key came
/// after them.
///
/// Scratch files go in `directory`, are unlinked as soon as they are reopened for the merge,
/// and hold whatever the caller puts in payloads: never pass PII in plaintext.
public final class ExternalSorter {
    private let directory: String
    private let name: String
    private let budget: Int
    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var runs: [String] = []
    /// The run being sorted and written; it hands back its emptied buffers for reuse.
    private var spilling: BackgroundJob<SpillBuffers>?
    /// Records added so far.
    public private(set) var count = 0
    /// The records that came in key order, in run format (``appendRecord(key:payload:to:)``):
    /// held in memory up to ``orderedInMemory`` bytes, then written to a run file as they come.
    private var orderedPending: [UInt8] = []
    private var orderedFile: BufferedFileWriter?
    private var orderedCount = 0
    private var lastOrderedKey: [UInt8] = []
    private let orderedInMemory: Int

    /// One record in the arena: where it starts, its key and payload lengths, and its first
    /// eight key bytes as a big-endian integer for a fast first comparison.
    fileprivate struct Entry {
        var offset: Int
        var keyLength: Int32
        var payloadLength: Int32
        var prefix: UInt64
    }

    public init(directory: String, name: String, memoryBudget: Int = 64 << 20) {
        self.directory = directory
        self.name = name
        self.budget = max(1 << 16, memoryBudget)
        orderedInMemory = min(budget / 4, 1 << 20)
        arena.reserveCapacity(min(budget / 2, 1 << 26))
    }

    deinit {
        // A run still being written (the caller gave up on the sort) must not outlive the sorter.
        _ = try? spilling?.wait()
        if let orderedFile {
            orderedFile.abandon()
            unlink(orderedFile.path)
        }
        for path in runs { unlink(path) }
    }

    /// Adds a record: to the in-order run when its key is not below that run's last, else to
    /// the records to sort (a sorted run is spilled when their half of the budget is full).
    public func append(key: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) throws(MigrationError) {
        if orderedCount == 0 || lastOrderedKey.withUnsafeBytes({ Self.compare(key, $0) }) >= 0 {
            try appendOrdered(key: key, payload: payload)
            return
        }
        let offset = arena.count
        arena.append(contentsOf: key)
        arena.append(contentsOf: payload)
        entries.append(Entry(offset: offset, keyLength: Int32(key.count), payloadLength: Int32(payload.count), prefix: Self.prefix(key)))
        count += 1
        if arena.count + entries.count * MemoryLayout<Entry>.stride >= budget / 2 { try spill() }
    }

    private func appendOrdered(key: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) throws(MigrationError) {
        if let orderedFile {
            try orderedFile.append { out in Self.appendRecord(key: key, payload: payload, to: &out) }
        } else {
            Self.appendRecord(key: key, payload: payload, to: &orderedPending)
            if orderedPending.count >= orderedInMemory { _ = try writeOrdered() }
        }
        lastOrderedKey.removeAll(keepingCapacity: true)
        lastOrderedKey.append(contentsOf: key)
        orderedCount += 1
        count += 1
    }

    /// Moves the in-order records held in memory to the in-order run's file (opened when first
    /// needed); returns the file.
    private func writeOrdered() throws(MigrationError) -> BufferedFileWriter {
        let file: BufferedFileWriter
        if let orderedFile {
            file = orderedFile
        } else {
            file = try BufferedFileWriter(path: "\(directory)/.\(name).ordered", writeBehind: false)
            orderedFile = file
        }
        try file.write(orderedPending)
        orderedPending.removeAll(keepingCapacity: true)
        return file
    }

    public func append(key: [UInt8], payload: [UInt8]) throws(MigrationError) {
        try MigrationError.typed {
            try key.withUnsafeBytes { keyBytes in
                try payload.withUnsafeBytes { payloadBytes in try append(key: keyBytes, payload: payloadBytes) }
            }
        }
    }

    /// Calls `body` with every record in key order, then removes the scratch files.
    public func finish(_ body: (_ key: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) {
        if orderedCount > 0 && orderedFile == nil && runs.isEmpty {
            // Everything is in memory: the in-order records merged with the others, sorted.
            Self.sort(&entries, arena)
            try MigrationError.typed { try orderedPending.withUnsafeBytes { ordered in try arena.withUnsafeBytes { base in
                try Self.merge(ordered, entries, base, body)
            } } }
            orderedPending = []
            entries = []
            arena = []
            return
        }
        if orderedCount > 0 {
            let file = try writeOrdered()
            do {
                try file.close(sync: false)
            } catch {
                unlink(file.path)
                throw error
            }
            orderedFile = nil
            orderedPending = []
            // The in-order run first: among equal keys, its records were added first.
            var readers = [try RunReader(path: file.path)]
            if !entries.isEmpty || !runs.isEmpty {
                try spill()
                _ = try spilling?.wait()
                spilling = nil
                for path in runs { readers.append(try RunReader(path: path)) }
            }
            arena = []
            entries = []
            runs = []
            try Self.merge(readers, body)
            return
        }
        if runs.isEmpty {
            Self.sort(&entries, arena)
            try MigrationError.typed { try arena.withUnsafeBytes { base in
                for entry in entries {
                    let key = UnsafeRawBufferPointer(rebasing: base[entry.offset..<entry.offset + Int(entry.keyLength)])
                    let end = entry.offset + Int(entry.keyLength) + Int(entry.payloadLength)
                    try body(key, UnsafeRawBufferPointer(rebasing: base[entry.offset + Int(entry.keyLength)..<end]))
                }
            } }
            entries = []
            arena = []
            return
        }
        try spill()
        _ = try spilling?.wait()
        spilling = nil
        arena = []
        entries = []
        var readers: [RunReader] = []
        for path in runs { readers.append(try RunReader(path: path)) }
        runs = []
        try Self.merge(readers, body)
    }

    /// Merges the in-order records (run format) with the sorted `entries` of `base`; ties go to
    /// the in-order records.
    private static func merge(
        _ ordered: UnsafeRawBufferPointer, _ entries: [Entry], _ base: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(MigrationError) -> Void
    ) throws(MigrationError) {
        var at = 0
        var next = 0
        while at < ordered.count || next < entries.count {
            var key = UnsafeRawBufferPointer(start: nil, count: 0)
            var payload = key
            if at < ordered.count {
                let keyLength = Int(ordered.loadUnaligned(fromByteOffset: at, as: Int32.self))
                let payloadLength = Int(ordered.loadUnaligned(fromByteOffset: at + 4, as: Int32.self))
                key = UnsafeRawBufferPointer(rebasing: ordered[at + 8..<at + 8 + keyLength])
                payload = UnsafeRawBufferPointer(rebasing: ordered[at + 8 + keyLength..<at + 8 + keyLength + payloadLength])
            }
            if next < entries.count {
                let entry = entries[next]
                let keyEnd = entry.offset + Int(entry.keyLength)
                let other = UnsafeRawBufferPointer(rebasing: base[entry.offset..<keyEnd])
                if at == ordered.count || compare(other, key) < 0 {
                    try body(other, UnsafeRawBufferPointer(rebasing: base[keyEnd..<keyEnd + Int(entry.payloadLength)]))
                    next += 1
                    continue
                }
            }
            try body(key, payload)
            at += 8 + key.count + payload.count
        }
    }

    /// k-way merge with a binary heap of run indexes; ties go to the earlier run.
    private static func merge(_ readers: [RunReader], _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) {
        var heap: [Int] = []
        for (index, reader) in readers.enumerated() where try reader.advance() { heap.append(index) }
        func less(_ a: Int, _ b: Int) -> Bool {
            let order = compare(readers[a].key, readers[b].key)
            return order != 0 ? order < 0 : a < b
        }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { return }
                var child = left
                if left + 1 < heap.count, less(heap[left + 1], heap[left]) { child = left + 1 }
                guard less(heap[child], heap[parent]) else { return }
                heap.swapAt(child, parent)
                parent = child
            }
        }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
        while let top = heap.first {
            let reader = readers[top]
            try body(reader.key, reader.payload)
            if try !reader.advance() {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            siftDown(0)
        }
    }

    private static func sort(_ entries: inout [Entry], _ arena: [UInt8]) {
        arena.withUnsafeBytes { base in
            entries.sort { a, b in
                if a.prefix != b.prefix { return a.prefix < b.prefix }
                let order = Self.compare(
                    UnsafeRawBufferPointer(rebasing: base[a.offset..<a.offset + Int(a.keyLength)]),
                    UnsafeRawBufferPointer(rebasing: base[b.offset..<b.offset + Int(b.keyLength)])
                )
                return order != 0 ? order < 0 : a.offset < b.offset
            }
        }
    }

    /// Hands the records gathered so far to a thread that sorts them and writes them as one
    /// run; first waits for the previous run (its error, if any, comes out here) and takes its
    /// emptied buffers.
    private func spill() throws(MigrationError) {
        guard !entries.isEmpty else { return }
        let spare = try spilling?.wait()
        spilling = nil
        let full = SpillBuffers(arena: arena, entries: entries)
        arena = spare?.arena ?? []
        entries = spare?.entries ?? []
        if spare == nil { arena.reserveCapacity(full.arena.capacity) }
        let path = "\(directory)/.\(name).run\(runs.count)"
        runs.append(path)
        spilling = BackgroundJob(name: "mlm-migrate.sort") { () throws(MigrationError) -> SpillBuffers in
            try Self.writeRun(full, to: path)
            full.arena.removeAll(keepingCapacity: true)
            full.entries.removeAll(keepingCapacity: true)
            return full
        }
    }

    /// Sorts the records in memory and writes them as one run (``appendRecord(key:payload:to:)``).
    private static func writeRun(_ buffers: SpillBuffers, to path: String) throws(MigrationError) {
        sort(&buffers.entries, buffers.arena)
        let writer = try BufferedFileWriter(path: path, writeBehind: false)
        try MigrationError.typed { try buffers.arena.withUnsafeBytes { base in
            for entry in buffers.entries {
                let keyEnd = entry.offset + Int(entry.keyLength)
                let key = UnsafeRawBufferPointer(rebasing: base[entry.offset..<keyEnd])
                let payload = UnsafeRawBufferPointer(rebasing: base[keyEnd..<keyEnd + Int(entry.payloadLength)])
                try writer.append { out in appendRecord(key: key, payload: payload, to: &out) }
            }
        } }
        try writer.close(sync: false)
    }

    /// A run's record: a 4-byte key length, a 4-byte payload length (native order: the file
    /// never leaves this process), key, payload.
    @inline(__always)
    private static func appendRecord(key: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        withUnsafeBytes(of: Int32(key.count)) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: Int32(payload.count)) { out.append(contentsOf: $0) }
        out.append(contentsOf: key)
        out.append(contentsOf: payload)
    }

    static func prefix(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(index < key.count ? key[index] : 0) }
        return value
    }

    /// memcmp order; a key sorts before its own extensions.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let order = memcmp(pa, pb, common)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }
}

/// One half of the sorter's memory on its way to a run file: owned by the spilling thread until
/// it hands the buffers back.
private final class SpillBuffers: @unchecked Sendable {
    var arena: [UInt8]
    var entries: [ExternalSorter.Entry]

    init(arena: [UInt8], entries: [ExternalSorter.Entry]) {
        self.arena = arena
        self.entries = entries
    }
}

/// Reads one spilled run record by record through a 1 MiB buffer. What it has read is freed
/// from the run as it goes (a hole punched over the 4 KiB blocks read), where the file system
/// allows it (ext4, XFS, Btrfs, tmpfs): the merge's scratch then shrinks as it proceeds, so the
/// work directory does not hold the runs beside all of what the merge writes, and their cached
/// pages go to the caller's writes. (A file system that must write a dirty range before it
/// punches it does so first: the same bytes reach the disk, a little sooner.)
private final class RunReader {
    private let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes read from the file so far, and the start of what is not yet freed.
    private var offset = 0
    private var freed = 0
    /// False once the file system has refused a hole: the run is then freed at its close only.
    private var punching = true
    private var start = 0
    private var keyRange = 0..<0
    private var payloadRange = 0..<0

    init(path: String) throws(MigrationError) {
        self.path = path
        // Read and write: a hole can be punched only through a descriptor open for writing.
        fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw MigrationError(.workdirUnreadable, "cannot reopen the sort run \(path)") }
        unlink(path)
        buffer.reserveCapacity(1 << 20)
    }

    deinit { close(fd) }

    var key: UnsafeRawBufferPointer { buffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[keyRange]) } }
    var payload: UnsafeRawBufferPointer { buffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[payloadRange]) } }

    /// Moves to the next record; false at the end of the run.
    func advance() throws(MigrationError) -> Bool {
        start = payloadRange.upperBound
        guard try ensure(8) else { return false }
        var keyLength: Int32 = 0
        var payloadLength: Int32 = 0
        buffer.withUnsafeBytes { raw in
            keyLength = raw.loadUnaligned(fromByteOffset: start, as: Int32.self)
            payloadLength = raw.loadUnaligned(fromByteOffset: start + 4, as: Int32.self)
        }
        let total = 8 + Int(keyLength) + Int(payloadLength)
        guard try ensure(total) else { throw MigrationError(.workdirCorrupt, "the sort run \(path) ends inside a record") }
        keyRange = start + 8..<start + 8 + Int(keyLength)
        payloadRange = keyRange.upperBound..<start + total
        return true
    }

    /// Makes `count` bytes from `start` available; false only at a clean end of file.
    private func ensure(_ count: Int) throws(MigrationError) -> Bool {
        if buffer.count - start >= count { return true }
        buffer.removeSubrange(0..<start)
        keyRange = 0..<0
        payloadRange = 0..<0
        start = 0
        let want = max(count - buffer.count, 1 << 20)
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: want))
        var filled = old
        while filled - old < want {
            let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress.map { $0 + filled }, want - (filled - old)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw MigrationError(.workdirUnreadable, "cannot read the sort run \(path)") }
            if n == 0 { break }
            filled += n
        }
        offset += filled - old
        freeRead()
        buffer.removeSubrange(filled..<buffer.count)
        if buffer.count >= count { return true }
        if buffer.isEmpty { return false }
        throw MigrationError(.workdirCorrupt, "the sort run \(path) ends inside a record")
    }

    /// Punches out the 4 KiB blocks read since the last hole (at least 1 MiB at a time, a
    /// refill's worth): the reader never reads them again. After a refusal (a file system
    /// without holes) the run is freed at its close only, as before.
    private func freeRead() {
        let upTo = offset & ~4_095
        guard punching, upTo - freed >= 1 << 20 else { return }
        if mlm_punch_hole(fd, Int64(freed), Int64(upTo - freed)) == 0 {
            freed = upTo
        } else {
            punching = false
        }
    }
}
