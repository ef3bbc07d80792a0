extension PostgresConnection {
    /// A `key=value` connection string with the options this connection resolved (its host,
    /// database, user, TLS settings, and password when it had one), for opening more
    /// connections to the same target, for parallel `COPY` streams.
    ///
    /// It holds the password in clear: keep it in memory only, never print or log it.
    var siblingConnInfo: String {
        effectiveOptions.sorted { $0.key < $1.key }.map { key, value in
            var quoted = ""
            for character in value {
                if character == "\\" || character == "'" { quoted.append("\\") }
                quoted.append(character)
            }
            return "\(key)='\(quoted)'"
        }.joined(separator: " ")
    }
}
