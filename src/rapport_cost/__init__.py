"""rapport-cost: micro-costing of peer support in NHS Mother and Baby Units."""
