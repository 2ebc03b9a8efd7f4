"""Publishing: tables that only format the engine's costs, disclosure control, comparison."""
