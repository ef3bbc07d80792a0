import Foundation
@testable import MLMMigrate
import Testing

extension CommissionTests {
    /// Depth and size: nothing recurses, and a million members fit in seconds and well under 1 GiB.
    @Suite struct CommissionEngineScaleTests {
        typealias F = CommissionFixtures

        @Test func aHundredThousandDeepSponsorLineIsWalkedWithoutRecursion() throws {
            let depth: Int64 = 100_000
            let members = [F.member(1)] + (2...depth).map { F.member($0, sponsor: $0 - 1) }
            let unilevel = "{ percents: [\"5\", \"3\"], active_pv: \"50\", compression: dynamic }"
            let plan = try F.plan(F.planYAML(unilevel: unilevel))
            // Only the root (PV 100) is active; the bottom member buys 1000 BV. Dynamic compression
            // skips the 99,998 inactive members between: the root takes level 1, 5% = $50, and
            // there is no level 2.
            let orders = [F.order("root", by: 1, bv: 0, pv: 100), F.order("deep", by: depth, bv: 1000, pv: 0)]
            let run = try F.run(plan, members, orders)
            #expect(run.amount(1, .unilevel) == 5000)
            // Every inactive member on the way was skipped: each has a $0 line that says so.
            #expect(run.lines.count == Int(depth) - 1)
            #expect(try run.unilevel(50_000).notPaid.map(\.outcome) == ["skipped"])
        }

        /// Set MLM_COMMISSION_SCALE=1 (and build with -c release) to run it.
        @Test(.enabled(if: ProcessInfo.processInfo.environment["MLM_COMMISSION_SCALE"] != nil))
        func aMillionMembersAndThreeMillionOrdersTakeUnderAMinute() throws {
            let count = 1_000_000
            // Placement: a complete binary tree (i's parent is i / 2); sponsor: i / 3, another tree.
            let members = (1...Int64(count)).map { id in
                id == 1
                    ? F.member(1)
                    : F.member(id, under: id / 2, leg: id % 2 == 0 ? "left" : "right", sponsor: max(1, id / 3))
            }
            let orders = (0..<3 * count).map { index in
                CommissionOrder(
                    orderID: "o\(index)", memberID: Int64(index % count) + 1,
                    occurredAt: F.midJanuary, status: index % 17 == 0 ? "cancelled" : "confirmed",
                    bv: Int64(index % 7) * 1500, pv: Int64(index % 5) * 1000
                )
            }
            let binary = F.binary(
                "bonus: percent, percent: \"10\", pair_volume: \"100\", first_pair: either, "
                    + "cap: { per: money, amount: \"500\" }, over_cap: carry, carry_forward: true, "
                    + "qualification: { personal_pv: \"20\", sponsored_active_each_leg: true }, "
                    + "unqualified: carry"
            )
            let unilevel = #"{ percents: ["5", "3", "2", "1", "1"], active_pv: "20", compression: dynamic }"#
            let plan = try F.plan(F.planYAML(
                header: "currency: USD\n  currency_exponent: 2\n  volume_scale: 2", binary: binary,
                unilevel: unilevel, extra: "deductions: [{ name: tax, percent: \"10\" }]"
            ))
            let clock = ContinuousClock()
            let start = clock.now
            let engine = try CommissionEngine(plan: plan, members: members)
            let run = try engine.run(orders: orders, period: F.january)
            let elapsed = clock.now - start
            print("commission scale: \(run.lines.count) lines, \(run.closingCarry.count) carries in \(elapsed),"
                  + " peak RSS \(Self.peakResidentKiB() / 1024) MiB")
            #expect(elapsed < .seconds(60))
            #expect(Self.peakResidentKiB() < 1024 * 1024)
            #expect(run.explanation(memberID: 1, bonus: .unilevel) != nil)
        }

        /// VmHWM of this process, in KiB (0 where /proc is missing).
        static func peakResidentKiB() -> Int {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
                return 0
            }
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        }
    }
}
