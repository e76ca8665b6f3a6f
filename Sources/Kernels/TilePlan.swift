/// How a product splits into tasks: rectangles of rows × tokens. A task's weight rows stay in
/// cache while it walks its tokens, and there are enough tasks for the threads to balance.
struct TilePlan {
    let rows: Int
    let tokens: Int
    let rowsPerTask: Int
    let tokensPerTask: Int
    let rowTasks: Int
    let tokenTasks: Int

    /// - Parameter rowMultiple: tasks' rows start at multiples of this (the kernel's row tile: 4,
    ///   or 8 for repacked Q4_K).
    init(rows: Int, tokens: Int, threads: Int, rowMultiple: Int = 4) {
        self.rows = rows
        self.tokens = tokens
        // Multiples of the AVX2 kernel's register tile (4 rows × 2 tokens).
        tokensPerTask = tokens <= 48 ? tokens : 48
        tokenTasks = (tokens + tokensPerTask - 1) / tokensPerTask
        // One token: ~8 tasks a thread, at least 64 rows each. Many tokens: rectangles of
        // 16...64 rows, so a task's weights stay in L2 while it walks its tokens.
        let wanted = max(1, threads * 8 / tokenTasks)
        var perTask = (rows + wanted - 1) / wanted
        if tokens == 1 {
            perTask = threads == 1 ? rows : max(perTask, 64)
        } else {
            perTask = min(max(perTask, 16), 64)
        }
        let m = rowMultiple
        perTask = min((perTask + m - 1) / m * m, (rows + m - 1) / m * m)
        rowsPerTask = perTask
        rowTasks = (rows + perTask - 1) / perTask
    }

    var taskCount: Int { rowTasks * tokenTasks }

    /// Task `index`'s rows and tokens; tasks sharing rows are adjacent so weights stay warm.
    func task(_ index: Int) -> (rows: Range<Int>, tokens: Range<Int>) {
        let rowTask = index / tokenTasks
        let tokenTask = index % tokenTasks
        let rowStart = rowTask * rowsPerTask
        let tokenStart = tokenTask * tokensPerTask
        return (rowStart..<min(rows, rowStart + rowsPerTask), tokenStart..<min(tokens, tokenStart + tokensPerTask))
    }
}
