@testable import MLMMigrate
import Testing

extension CommissionTests {
    /// Binary rules on hand-computed trees. USD, volume_scale 0: one BV is one dollar, 100 minor units.
    @Suite struct BinaryBonusTests {
        typealias F = CommissionFixtures

        /// $25 a pair of 100 BV, with `rest`.
        static func flat(_ rest: String) -> String {
            F.binary("bonus: flat, pair_volume: \"100\", per_pair: \"25\", \(rest)")
        }

        static func flatPlan(_ rest: String) throws -> CommissionPlan {
            try F.plan(F.planYAML(binary: flat(rest)))
        }

        static let carryingFlat = "carry_forward: true, flat_remainder: carry"

        /// BV: 2 buys 100, 3 buys 50, 4 buys 200, 5 buys 30, 6 buys 70 (``CommissionFixtures/sevenMembers``).
        static let sevenOrders = [
            F.order("o2", by: 2, bv: 100), F.order("o3", by: 3, bv: 50), F.order("o4", by: 4, bv: 200),
            F.order("o5", by: 5, bv: 30), F.order("o6", by: 6, bv: 70),
        ]

        @Test func percentBonusPaysTheRateOnTheWeakerLegAndCarriesTheRestOfTheStrongerOne() throws {
            let plan = try F.plan(F.planYAML(binary: F.percentBinary))
            let run = try F.run(plan, F.sevenMembers, Self.sevenOrders)
            // Member 1: left = 2's subtree = 100 + 200 + 30 = 330, right = 3's = 50 + 70 = 120.
            // Paired 120 (1:1), 10% of 120 BV = $12.00 = 1200 cents; left keeps 330 - 120 = 210.
            #expect(run.amount(1, .binary) == 1200)
            #expect(run.carry(1) == ["left": 210])
            // Member 2: left 200 (4), right 30 (5): 10% of 30 = $3.00; left keeps 170.
            #expect(run.amount(2, .binary) == 300)
            #expect(run.carry(2) == ["left": 170])
            // Member 3: left 70 (6), right 0: nothing paired, $0; left keeps 70 (still a line: it has volume).
            #expect(run.amount(3, .binary) == 0)
            #expect(run.carry(3) == ["left": 70])
            // Members 4 to 7 have no downline: no volume, no line, no carry.
            #expect(run.lines.map(\.memberID) == [1, 2, 3])
            #expect(run.closingCarry.count == 3)
            let one = try run.binary(1)
            #expect(one.pairedVolume == "120")
            #expect(one.pairs == nil)
            #expect(one.legs.map(\.added) == ["330", "120"])
            #expect(one.amount.grossExact == "12.00")
        }

        @Test func flatBonusPaysWholePairsAndFlatRemainderDecidesTheWeakerLegsLeftover() throws {
            let carry = try F.run(try Self.flatPlan(Self.carryingFlat), F.sevenMembers, Self.sevenOrders)
            // Member 1: left 330, right 120, pairs of 100: min(3, 1) = 1 pair × $25 = 2500 cents.
            // Leftover: left 330 - 100 = 230 (stronger), right 120 - 100 = 20 (weaker, below a pair).
            #expect(carry.amount(1, .binary) == 2500)
            #expect(carry.carry(1) == ["left": 230, "right": 20])
            // Member 2: left 200, right 30: no pair; leftover 200 (stronger) and 30 (weaker) both carried.
            #expect(carry.amount(2, .binary) == 0)
            #expect(carry.carry(2) == ["left": 200, "right": 30])
            let flushPlan = try Self.flatPlan("carry_forward: true, flat_remainder: flush")
            let flush = try F.run(flushPlan, F.sevenMembers, Self.sevenOrders)
            // flat_remainder flush drops the weaker leg's leftover: member 1 keeps left 230 only,
            // member 2 keeps left 200 only; the pay is the same 1 pair.
            #expect(flush.amount(1, .binary) == 2500)
            #expect(flush.carry(1) == ["left": 230])
            #expect(flush.carry(2) == ["left": 200])
            #expect(try flush.binary(1).legs.map(\.flushed) == ["0", "20"])
        }

        @Test func flatRemainderFlushDropsOnlyAWeakerLeftoverBelowOnePair() throws {
            let plan = try Self.flatPlan("first_pair: \"2:1\", carry_forward: true, flat_remainder: flush")
            let left = F.order("l", by: 2, bv: 150)
            let wide = try F.run(plan, F.threeMembers, [left, F.order("r", by: 3, bv: 120)])
            // 2:1 needs 200 on the left, which has 150: no pair. The weaker leftover, right 120, is
            // a whole pair_volume (100) or more: not a remainder, so it carries with the left's 150.
            #expect(wide.amount(1, .binary) == 0)
            #expect(wide.carry(1) == ["left": 150, "right": 120])
            let narrow = try F.run(plan, F.threeMembers, [left, F.order("r", by: 3, bv: 80)])
            // Right 80 is below one pair_volume: flat_remainder flush drops it; left 150 carries.
            #expect(narrow.carry(1) == ["left": 150])
        }

        @Test func carryForwardOffFlushesEveryLeftoverAndOnCarriesItWithTheOpeningCarry() throws {
            let off = try F.run(try Self.flatPlan("carry_forward: false"), F.sevenMembers, Self.sevenOrders)
            // Member 1: 1 pair ($25); leftovers 230 and 20 are flushed, nothing carries.
            #expect(off.amount(1, .binary) == 2500)
            #expect(off.closingCarry.isEmpty)
            #expect(try off.binary(1).legs.map(\.flushed) == ["230", "20"])
            let carried = try Self.flatPlan(Self.carryingFlat)
            let on = try F.run(carried, F.sevenMembers, Self.sevenOrders, carry: [1: ["right": 80]])
            // Member 1 opens with 80 on the right: left 330, right 120 + 80 = 200: 2 pairs = $50.
            // Leftover left 330 - 200 = 130, right 0.
            #expect(on.amount(1, .binary) == 5000)
            #expect(on.carry(1) == ["left": 130])
            let legs = try on.binary(1).legs
            #expect(legs.map(\.openingCarry) == ["0", "80"])
            #expect(legs.map(\.total) == ["330", "200"])
            #expect(legs.map(\.usedByPaidPairs) == ["200", "200"])
        }

        struct FirstPairCase: Sendable, CustomTestStringConvertible {
            var rule: String
            var left: Int64
            var right: Int64
            var cents: Int64
            var carry: [String: Int64]
            var testDescription: String { "first_pair \(rule) with \(left)/\(right)" }
        }

        // Flat: pair_volume 100, $10 a pair; the first pair needs 200 on one leg and 100 on the other.
        static let firstPairCases = [
            // 2:1 needs left ≥ 200, right ≥ 100: uses 200/100, leaves 100/50, no second pair: $10;
            // carry 100/50.
            FirstPairCase(rule: "\"2:1\"", left: 300, right: 150, cents: 1000,
                          carry: ["left": 100, "right": 50]),
            // 2:1 with left 150 < 200: no first pair, so no pair at all; both legs carry whole.
            FirstPairCase(rule: "\"2:1\"", left: 150, right: 300, cents: 0, carry: ["left": 150, "right": 300]),
            // 1:2 needs right ≥ 200, left ≥ 100: uses 100/200, leaves 50/100: $10; carry 50/100.
            FirstPairCase(rule: "\"1:2\"", left: 150, right: 300, cents: 1000,
                          carry: ["left": 50, "right": 100]),
            // either: right is stronger and gives the 2, as 1:2 above: $10; carry 50/100.
            FirstPairCase(rule: "either", left: 150, right: 300, cents: 1000,
                          carry: ["left": 50, "right": 100]),
            // either: left stronger gives 200, right 100; leaves 200/150: one 1:1 pair more: $20; carry 100/50.
            FirstPairCase(rule: "either", left: 400, right: 250, cents: 2000,
                          carry: ["left": 100, "right": 50]),
            // none: plain 1:1, min(150/100, 300/100) = 1 pair: $10; carry 50/200.
            FirstPairCase(rule: "none", left: 150, right: 300, cents: 1000, carry: ["left": 50, "right": 200]),
        ]

        @Test(arguments: firstPairCases)
        func firstPairNeedsTwoUnitsOnOneLegAndOneOnTheOther(_ example: FirstPairCase) throws {
            let binary = F.binary(
                "bonus: flat, pair_volume: \"100\", per_pair: \"10\", first_pair: \(example.rule), "
                    + "carry_forward: true, flat_remainder: carry"
            )
            let orders = [F.order("l", by: 2, bv: example.left), F.order("r", by: 3, bv: example.right)]
            let run = try F.run(try F.plan(F.planYAML(binary: binary)), F.threeMembers, orders)
            #expect(run.amount(1, .binary) == example.cents)
            #expect(run.carry(1) == example.carry)
        }

        struct CapCase: Sendable, CustomTestStringConvertible {
            var bonus: String
            var cap: String
            var overCap: String
            var cents: Int64
            var carry: [String: Int64]
            var testDescription: String { "\(bonus) capped per \(cap), \(overCap)" }
        }

        static let flatBonus = "bonus: flat, pair_volume: \"100\", per_pair: \"10\""
        static let percentBonus = "bonus: percent, percent: \"10\", pair_volume: \"100\""

        // Left 550, right 420. Flat: 4 pairs of 100 ($40 uncapped), leftover 150/20 (both carried).
        // Percent: paired 420, 10% = $42 uncapped, leftover 130/0.
        static let capCases = [
            // 3 pairs pay $30; the 4th pair's 100 per leg is flushed: carry stays 150/20.
            CapCase(bonus: flatBonus, cap: "{ per: pairs, amount: \"3\" }", overCap: "flush", cents: 3000,
                    carry: ["left": 150, "right": 20]),
            // ... or carried: 150 + 100 = 250, 20 + 100 = 120.
            CapCase(bonus: flatBonus, cap: "{ per: pairs, amount: \"3\" }", overCap: "carry", cents: 3000,
                    carry: ["left": 250, "right": 120]),
            // 250 BV of pairs = 2 whole pairs, $20; 2 pairs (200 per leg) flushed: 150/20.
            CapCase(bonus: flatBonus, cap: "{ per: volume, amount: \"250\" }", overCap: "flush", cents: 2000,
                    carry: ["left": 150, "right": 20]),
            // ... carried: 150 + 200 = 350, 20 + 200 = 220.
            CapCase(bonus: flatBonus, cap: "{ per: volume, amount: \"250\" }", overCap: "carry", cents: 2000,
                    carry: ["left": 350, "right": 220]),
            // $25 of $40: the 3rd pair is paid in part ($5 of $10) and used, ceil(25 / 10) = 3 pairs;
            // the 4th is over the cap: flushed, 150/20 ...
            CapCase(bonus: flatBonus, cap: "{ per: money, amount: \"25\" }", overCap: "flush", cents: 2500,
                    carry: ["left": 150, "right": 20]),
            // ... or carried, 250/120.
            CapCase(bonus: flatBonus, cap: "{ per: money, amount: \"25\" }", overCap: "carry", cents: 2500,
                    carry: ["left": 250, "right": 120]),
            // Percent, $30 of $42: $30 needs 300 BV at 10%; 420 - 300 = 120 per leg over the cap, carried:
            // left 130 + 120 = 250, right 0 + 120 = 120.
            CapCase(bonus: percentBonus, cap: "{ per: money, amount: \"30\" }", overCap: "carry", cents: 3000,
                    carry: ["left": 250, "right": 120]),
            // ... flushed: carry stays 130.
            CapCase(bonus: percentBonus, cap: "{ per: money, amount: \"30\" }", overCap: "flush", cents: 3000,
                    carry: ["left": 130]),
            // Percent capped at 400 BV: 10% of 400 = $40; 20 per leg over, flushed: 130.
            CapCase(bonus: percentBonus, cap: "{ per: volume, amount: \"400\" }", overCap: "flush", cents: 4000,
                    carry: ["left": 130]),
            // Percent capped at 3 pairs of pair_volume 100 = 300 BV: $30; 120 per leg carried: 250/120.
            CapCase(bonus: percentBonus, cap: "{ per: pairs, amount: \"3\" }", overCap: "carry", cents: 3000,
                    carry: ["left": 250, "right": 120]),
        ]

        @Test(arguments: capCases)
        func capCutsTheBonusAndOverCapFlushesOrCarriesTheCutVolume(_ example: CapCase) throws {
            let remainder = example.bonus == Self.flatBonus ? ", flat_remainder: carry" : ""
            let binary = F.binary(
                "\(example.bonus), cap: \(example.cap), over_cap: \(example.overCap), "
                    + "carry_forward: true\(remainder)"
            )
            let orders = [F.order("l", by: 2, bv: 550), F.order("r", by: 3, bv: 420)]
            let run = try F.run(try F.plan(F.planYAML(binary: binary)), F.threeMembers, orders)
            #expect(run.amount(1, .binary) == example.cents)
            #expect(run.carry(1) == example.carry)
            #expect(try run.binary(1).cap?.overCap == example.overCap)
        }

        @Test func moneyCapExplanationNamesWhatWasCut() throws {
            let binary = F.binary(
                "\(Self.percentBonus), cap: { per: money, amount: \"30\" }, over_cap: carry, "
                    + "carry_forward: true"
            )
            let orders = [F.order("l", by: 2, bv: 550), F.order("r", by: 3, bv: 420)]
            let run = try F.run(try F.plan(F.planYAML(binary: binary)), F.threeMembers, orders)
            let cap = try #require(try run.binary(1).cap)
            // $42 uncapped, $30 paid: $12 cut; 300 of 420 paired BV paid, 120 cut.
            #expect(cap == CapExplanation(
                per: "money", amount: "30.00", paidPairedVolume: "300", cutPairedVolume: "120",
                uncappedExact: "42.00", cutExact: "12.00", overCap: "carry"
            ))
            // 4 whole pairs of 100 in 420 paired BV.
            #expect(try run.binary(1).pairs == 4)
        }
    }
}
