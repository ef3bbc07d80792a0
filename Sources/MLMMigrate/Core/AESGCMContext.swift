import COpenSSL

/// AES-256-GCM through libcrypto's EVP interface, keeping the key schedule between values: a
/// member's data key is set once and each of its values then costs only a nonce.
///
/// It makes exactly the bytes of ``FieldCipher``'s swift-crypto calls (GCM with a 12-byte nonce
/// and a 16-byte tag is one function of key, nonce, data and plaintext; `AESGCMContextTests`
/// checks it value for value), without swift-crypto's per-call context and `Data` allocations,
/// which cost a third of Extract's PII time at 1M members (docs/performance.md).
/// Not thread-safe: one context per thread (Extract's batches and reconcile's workers each make
/// their own). Never keeps a plaintext: the caller's buffers are the only copies.
final class AESGCMContext {
    private let context: OpaquePointer
    /// Whether the key set last was for sealing (true) or opening (false); nil before any key.
    private var sealing: Bool?

    static let keyCount = 32
    static let nonceCount = 12
    static let tagCount = 16

    init?() {
        guard let context = EVP_CIPHER_CTX_new() else { return nil }
        guard EVP_CipherInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil, 1) == 1 else {
            EVP_CIPHER_CTX_free(context)
            return nil
        }
        self.context = context
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// Sets the 32-byte key the next values are sealed (`sealing`) or opened under.
    func setKey(_ key: UnsafeRawBufferPointer, sealing: Bool) -> Bool {
        guard key.count == Self.keyCount, let bytes = key.baseAddress else { return false }
        let done = EVP_CipherInit_ex(
            context, nil, nil, bytes.assumingMemoryBound(to: UInt8.self), nil, sealing ? 1 : 0
        ) == 1
        self.sealing = done ? sealing : nil
        return done
    }

    /// Appends `nonce ‖ ciphertext ‖ tag` of `plaintext` under the key set for sealing, binding
    /// `aad`; false (and `out` unchanged) when it could not. The nonce must be fresh (12 bytes).
    func seal(
        _ plaintext: UnsafeRawBufferPointer, authenticating aad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]
    ) -> Bool {
        guard sealing == true, nonce.count == Self.nonceCount, let noncePointer = nonce.baseAddress else { return false }
        let start = out.count
        let cipherCount = plaintext.count
        out.append(contentsOf: repeatElement(0, count: Self.nonceCount + cipherCount + Self.tagCount))
        let done = out.withUnsafeMutableBytes { buffer -> Bool in
            guard let base = buffer.baseAddress?.advanced(by: start) else { return false }
            base.copyMemory(from: noncePointer, byteCount: Self.nonceCount)
            let cipher = base.advanced(by: Self.nonceCount).assumingMemoryBound(to: UInt8.self)
            guard begin(nonce: noncePointer, aad: aad, encrypt: 1),
                  process(plaintext, into: UnsafeMutableRawBufferPointer(start: cipher, count: cipherCount))
            else { return false }
            var finalCount: Int32 = 0
            guard EVP_EncryptFinal_ex(context, cipher.advanced(by: cipherCount), &finalCount) == 1,
                  finalCount == 0 else { return false }
            return mlm_gcm_get_tag(context, cipher.advanced(by: cipherCount)) == 1
        }
        if !done { out.removeSubrange(start...) }
        return done
    }

    /// The plaintext of `nonce ‖ ciphertext ‖ tag` under the key set for opening, when its tag
    /// proves `aad` and the bytes; nil otherwise (wrong key, wrong binding, changed bytes).
    func open(_ combined: UnsafeRawBufferPointer, authenticating aad: UnsafeRawBufferPointer) -> [UInt8]? {
        guard sealing == false, combined.count >= Self.nonceCount + Self.tagCount,
              let base = combined.baseAddress else { return nil }
        let cipherCount = combined.count - Self.nonceCount - Self.tagCount
        var tag = [UInt8](UnsafeRawBufferPointer(rebasing: combined[(combined.count - Self.tagCount)...]))
        var plain = [UInt8](repeating: 0, count: cipherCount)
        let cipher = UnsafeRawBufferPointer(rebasing: combined[Self.nonceCount..<(Self.nonceCount + cipherCount)])
        let opened = plain.withUnsafeMutableBytes { plainBuffer -> Bool in
            guard begin(nonce: base, aad: aad, encrypt: 0), process(cipher, into: plainBuffer) else {
                return false
            }
            guard tag.withUnsafeMutableBufferPointer({ mlm_gcm_set_tag(context, $0.baseAddress) == 1 }) else {
                return false
            }
            var finalCount: Int32 = 0
            var spare: UInt8 = 0
            return EVP_DecryptFinal_ex(context, &spare, &finalCount) == 1 && finalCount == 0
        }
        return opened ? plain : nil
    }

    /// Starts one value: its nonce, then its authenticated data.
    private func begin(nonce: UnsafeRawPointer, aad: UnsafeRawBufferPointer, encrypt: Int32) -> Bool {
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce.assumingMemoryBound(to: UInt8.self), encrypt) == 1 else {
            return false
        }
        guard aad.count > 0, let aadBytes = aad.baseAddress else { return true }
        var written: Int32 = 0
        return EVP_CipherUpdate(
            context, nil, &written, aadBytes.assumingMemoryBound(to: UInt8.self), Int32(aad.count)
        ) == 1
    }

    /// Encrypts or decrypts `input` into `output` (as many bytes; GCM is a stream mode).
    private func process(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) -> Bool {
        guard input.count > 0 else { return true }
        guard let bytes = input.baseAddress, let target = output.baseAddress, output.count >= input.count,
              input.count <= Int(Int32.max) else { return false }
        var written: Int32 = 0
        let done = EVP_CipherUpdate(
            context, target.assumingMemoryBound(to: UInt8.self), &written,
            bytes.assumingMemoryBound(to: UInt8.self), Int32(input.count)
        ) == 1
        return done && Int(written) == input.count
    }
}
