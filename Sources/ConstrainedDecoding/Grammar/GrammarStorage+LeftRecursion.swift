extension GrammarStorage {
    /// The name index of a rule that can call itself before reading any byte (a schema like
    /// `{"$ref": "#"}`), which no input could ever get past; nil when there is none.
    func leftRecursiveRule() -> Int? {
        let ruleCount = ruleStart.count
        // Rules that match the empty string (fixpoint over calls of nullable rules).
        var nullable = [Bool](repeating: false, count: ruleCount)
        var changed = true
        while changed {
            changed = false
            for rule in 0..<ruleCount where !nullable[rule] {
                if reachesWithoutInput(from: ruleStart[rule], nullable: nullable).returns {
                    nullable[rule] = true
                    changed = true
                }
            }
        }
        // Rules called before any input, then a cycle search over that graph.
        var calls: [[Int]] = []
        for rule in 0..<ruleCount {
            calls.append(reachesWithoutInput(from: ruleStart[rule], nullable: nullable).calledRules)
        }
        var color = [UInt8](repeating: 0, count: ruleCount)  // 0 new, 1 on stack, 2 done
        func visit(_ rule: Int) -> Int? {
            color[rule] = 1
            for callee in calls[rule] {
                if color[callee] == 1 { return callee }
                if color[callee] == 0, let found = visit(callee) { return found }
            }
            color[rule] = 2
            return nil
        }
        for rule in 0..<ruleCount where color[rule] == 0 {
            if let found = visit(rule) { return found }
        }
        return nil
    }

    private func reachesWithoutInput(from start: Int32, nullable: [Bool]) -> (returns: Bool, calledRules: [Int]) {
        var seen: Set<Int32> = [start]
        var stack = [start]
        var returns = false
        var called: [Int] = []
        while let state = stack.popLast() {
            let index = Int(state)
            if isReturn[index] { returns = true }
            for call in Int(callStart[index])..<Int(callStart[index + 1]) {
                let rule = Int(callRules[call])
                if !called.contains(rule) { called.append(rule) }
                if nullable[rule], seen.insert(callReturns[call]).inserted { stack.append(callReturns[call]) }
            }
        }
        return (returns, called)
    }
}
