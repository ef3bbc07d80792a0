#!/usr/bin/env python3
"""Re-derive mlm-migrate's ledger hashes (docs/ledger-hashing.md, version 1) from the target,
using nothing but Python's standard library. Usage:

  psql "$T" -c "\\copy (SELECT member_id, currency, seq, legacy_txn_id, kind, amount_minor,
      (extract(epoch FROM occurred_at) * 1000000)::bigint, balance_after_minor, encode(entry_hash, 'hex')
      FROM mlm.wallet_entries ORDER BY member_id, currency, seq) TO 'entries.csv' CSV"
  psql "$T" -c "\\copy (SELECT member_id, currency, entry_count, balance_minor, encode(head_hash, 'hex'),
      encode(merkle_root, 'hex') FROM mlm.wallets) TO 'wallets.csv' CSV"
  python3 verify-ledger.py entries.csv wallets.csv

Prints every entry or wallet that disagrees with the recomputation, then the run digest to
compare with mlm_migration.runs.ledger_digest and the report's content.ledger.runDigest.
Exit status 1 when anything disagrees.
"""
import csv, hashlib, struct, sys

def text(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b

def encode(member, currency, seq, txn, kind, amount, at, balance):
    return (bytes([1]) + struct.pack(">q", member) + text(currency) + struct.pack(">q", seq)
            + text(txn) + text(kind) + struct.pack(">qqq", amount, at, balance))

def merkle(hashes):
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashlib.sha256(b"\x00" + hashes[0]).digest()
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + merkle(hashes[:k]) + merkle(hashes[k:])).digest()

def main(entries_path, wallets_path):
    problems = 0
    computed = {}  # (member_id, currency) -> (count, balance, head, merkle root)
    wallet, chain, hashes, balance, last = None, bytes(32), [], 0, None

    def close():
        if wallet is not None:
            computed[wallet] = (len(hashes), balance, chain, merkle(hashes))

    with open(entries_path, newline="", encoding="utf-8") as f:
        for member, currency, seq, txn, kind, amount, at, after, stored in csv.reader(f):
            key = (int(member), currency)
            if key != wallet:
                close()
                wallet, chain, hashes, balance, last = key, bytes(32), [], 0, None
            order = (int(at), txn.encode())
            if last is not None and order <= last:
                print(f"member_id {member} {currency} seq {seq}: out of (occurred_at, legacy_txn_id) order")
                problems += 1
            last = order
            balance += int(amount)
            if int(seq) != len(hashes) + 1 or int(after) != balance:
                print(f"member_id {member} {currency} seq {seq}: seq or running balance out of order")
                problems += 1
            chain = hashlib.sha256(chain + encode(int(member), currency, len(hashes) + 1, txn, kind, int(amount), int(at), balance)).digest()
            if chain.hex() != stored:
                print(f"member_id {member} {currency} seq {seq}: entry_hash differs from the recomputation")
                problems += 1
            hashes.append(chain)
    close()

    digest = hashlib.sha256()
    with open(wallets_path, newline="", encoding="utf-8") as f:
        stored = {(int(r[0]), r[1]): (int(r[2]), int(r[3]), r[4], r[5]) for r in csv.reader(f)}
    for key in sorted(set(stored) | set(computed)):
        count, balance, head, root = computed.get(key, (0, 0, bytes(32), merkle([])))
        if stored.get(key) != (count, balance, head.hex(), root.hex()):
            print(f"member_id {key[0]} {key[1]}: wallet row differs from its entries")
            problems += 1
        digest.update(struct.pack(">q", key[0]) + text(key[1]) + struct.pack(">qq", count, balance) + head + root)
    print(f"{len(computed)} wallets with entries, {problems} problems")
    print("run digest", digest.hexdigest())
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
