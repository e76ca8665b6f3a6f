import Fleet
import Testing

@Suite struct FleetPackageTests {
    @Test func catalogueReportsUnknownModels() {
        #expect(throws: FleetError.modelNotFound("nope")) { try ModelCatalogue([]).backend(for: "nope") }
    }
}
