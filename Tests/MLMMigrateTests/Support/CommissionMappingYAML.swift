/// YAML the commission tests share: the start of a mapping with a members entity (legacy id and
/// username) and an orders entity keyed by username with every field mapped.
enum CommissionMappingYAML {
    static let membersAndOrders = """
        version: 1
        vendor: test
        entities:
          members:
            source: { format: csv }
            columns:
              legacy_id: { from: id }
              username: { from: user }
            genealogy: {}
          orders:
            source: { format: csv }
            member_key: username
            columns:
              order_id:   { from: order_no }
              member:     { from: member }
              ordered_at: { from: at, type: timestamp, format: iso8601, timezone: UTC }
              status:     { from: status }
              bv:         { from: bv, type: volume }
              pv:         { from: pv, type: volume }

        """
}
