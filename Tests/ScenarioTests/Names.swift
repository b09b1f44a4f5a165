import Scenario

/// `Scenario.Expectation`, named apart from Swift Testing's `Expectation` (and the module apart from its `Scenario` type).
typealias ScenarioExpectation = Expectation
