"""Command panes (lookup, curl, load balancing, DNS walk), the continuous probe and the debug pods behind them."""
