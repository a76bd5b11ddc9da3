"""Planning a rollout: learner capacity per site and the plan of a full-scale load test."""
