/// The unilevel explanation: every counted order bought below the member is walked again with
/// the run's ``UnilevelBonus``, and each step that reached the member becomes a line or a miss.
extension CommissionRun {
    func unilevelExplanation(_ position: Int32) -> UnilevelExplanation? {
        guard let rule = engine.plan.unilevel, let bonus = unilevel, let tree = engine.sponsorTree else {
            return nil
        }
        let numbers = engine.arithmetic
        var lines: [UnilevelLineExplanation] = []
        var misses: [UnilevelMissExplanation] = []
        var exactSum: Int128 = 0
        var roundedSum: Int128 = 0
        for (offset, buyer) in zip(volumes.countedOrders, volumes.countedBuyers)
        where buyer != position && tree.contains(buyer, under: position) {
            let order = orderList[Int(offset)]
            let generation = Int(tree.depth[Int(buyer)] - tree.depth[Int(position)])
            let pathMembers = sponsorPath(from: buyer, generations: generation)
            let path = pathMembers.map { engine.index.ids[Int($0)] }
            var rolled: [UnilevelPartExplanation] = []
            var missAwaitingRecipient: Int?
            var paidBelow = 0
            bonus.walk(buyer: buyer) { step in
                let member = step.member >= 0 ? engine.index.ids[Int(step.member)] : -1
                switch step.kind {
                case .paid:
                    if step.member == position {
                        var parts = rolled
                        if step.level > 0 {
                            let own = UnilevelPartExplanation(
                                level: step.level, memberID: member, percent: numbers.percentText(step.ownRate),
                                why: "own level"
                            )
                            parts.insert(own, at: 0)
                        }
                        let exact = numbers.exact(volume: order.bv, rate: step.ownRate + step.rolledRate)
                        let rounded = engine.plan.rounding.at == .line ? numbers.rounded(exact) : nil
                        exactSum += exact
                        roundedSum += rounded ?? 0
                        let skipped = bonus.compression == .dynamic
                            ? pathMembers.dropFirst().dropLast().filter { !bonus.active[Int($0)] }
                                .map { engine.index.ids[Int($0)] }
                            : []
                        lines.append(UnilevelLineExplanation(
                            orderID: order.orderID, buyerID: path[0], bv: numbers.volumeText(order.bv),
                            level: step.level > 0 ? step.level : nil, generation: generation, path: path,
                            percent: numbers.percentText(step.ownRate + step.rolledRate), parts: parts,
                            skippedInactive: skipped, exact: numbers.moneyText(exact),
                            roundedMinor: rounded.map { Int64(clamping: $0) }
                        ))
                    }
                    if let index = missAwaitingRecipient {
                        misses[index].why += "; rolled up to member \(member)"
                    }
                    missAwaitingRecipient = nil
                    rolled = []
                    if tree.depth[Int(step.member)] > tree.depth[Int(position)] { paidBelow += 1 }
                case .unpaid, .rolled:
                    let reason = inactiveReason(step.member)
                    if step.kind == .rolled {
                        rolled.append(UnilevelPartExplanation(
                            level: step.level, memberID: member, percent: numbers.percentText(step.ownRate),
                            why: "rolled up: \(reason)"
                        ))
                    }
                    guard step.member == position else { return }
                    let isRolled = step.kind == .rolled
                    misses.append(UnilevelMissExplanation(
                        orderID: order.orderID, buyerID: path[0], bv: numbers.volumeText(order.bv),
                        level: step.level, generation: generation, path: path,
                        percent: numbers.percentText(step.ownRate),
                        exact: numbers.moneyText(numbers.exact(volume: order.bv, rate: step.ownRate)),
                        outcome: isRolled ? "rolled_up" : "unpaid",
                        why: isRolled ? reason : "\(reason); the level is not paid"
                    ))
                    if isRolled { missAwaitingRecipient = misses.count - 1 }
                case .lost:
                    if let index = missAwaitingRecipient {
                        misses[index].why += "; no active upline above: not paid"
                    }
                }
            }
            let reachedInactive = !bonus.active[Int(position)] && paidBelow < rule.percents.count
            if bonus.compression == .dynamic && reachedInactive {
                misses.append(UnilevelMissExplanation(
                    orderID: order.orderID, buyerID: path[0], bv: numbers.volumeText(order.bv), level: nil,
                    generation: generation, path: path, percent: nil, exact: nil, outcome: "skipped",
                    why: "\(inactiveReason(position)); takes no level"
                ))
            }
        }
        lines.sort { ($0.orderID, $0.generation) < ($1.orderID, $1.generation) }
        misses.sort { ($0.orderID, $0.generation) < ($1.orderID, $1.generation) }
        let gross = engine.plan.rounding.at == .line ? roundedSum : numbers.rounded(exactSum)
        return UnilevelExplanation(
            memberID: engine.index.ids[Int(position)],
            personalPV: numbers.volumeText(volumes.personalPV[Int(position)]),
            activePV: numbers.volumeText(rule.activePV), active: bonus.active[Int(position)],
            compression: rule.compression.rawValue, lines: lines, notPaid: misses,
            amount: amountExplanation(exact: exactSum, grossMinor: Int64(clamping: gross))
        )
    }
}
