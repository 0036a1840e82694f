package dynamotest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A condition expression, as DynamoDB reads one: comparisons (= <> < <= >
// >=) of attribute paths and :values, the functions attribute_exists,
// attribute_not_exists and attribute_type, NOT, AND, OR and parentheses.
// Paths are top-level names or #names.
type expr interface {
	eval(env) (bool, error)
}

// env is what an expression is evaluated against.
type env struct {
	item   item // nil when there is none
	names  map[string]string
	values map[string]value
}

func (e env) attr(path string) (value, bool, error) {
	name := path
	if strings.HasPrefix(path, "#") {
		n, ok := e.names[path]
		if !ok {
			return nil, false, fmt.Errorf("unknown attribute name %s", path)
		}
		name = n
	}
	v, ok := e.item[name]
	return v, ok, nil
}

type (
	orExpr  struct{ a, b expr }
	andExpr struct{ a, b expr }
	notExpr struct{ a expr }
	call    struct {
		fn   string
		args []string
	}
	compare struct {
		op   string
		a, b string
	}
)

func (x orExpr) eval(e env) (bool, error) {
	a, err := x.a.eval(e)
	if err != nil || a {
		return a, err
	}
	return x.b.eval(e)
}

func (x andExpr) eval(e env) (bool, error) {
	a, err := x.a.eval(e)
	if err != nil || !a {
		return false, err
	}
	return x.b.eval(e)
}

func (x notExpr) eval(e env) (bool, error) {
	a, err := x.a.eval(e)
	return !a, err
}

func (x call) eval(e env) (bool, error) {
	switch {
	case x.fn == "attribute_exists" && len(x.args) == 1, x.fn == "attribute_not_exists" && len(x.args) == 1:
		_, ok, err := e.attr(x.args[0])
		return ok == (x.fn == "attribute_exists"), err
	case x.fn == "attribute_type" && len(x.args) == 2:
		v, ok, err := e.attr(x.args[0])
		if err != nil || !ok {
			return false, err
		}
		t, err := e.operand(x.args[1])
		if err != nil {
			return false, err
		}
		typ, _ := t["S"].(string)
		_, has := v[typ]
		return has, nil
	}
	return false, fmt.Errorf("dynamotest does not answer %s with %d arguments", x.fn, len(x.args))
}

// operand is a :value or an attribute's value (nil when absent).
func (e env) operand(s string) (value, error) {
	if strings.HasPrefix(s, ":") {
		v, ok := e.values[s]
		if !ok {
			return nil, fmt.Errorf("unknown attribute value %s", s)
		}
		return v, nil
	}
	v, _, err := e.attr(s)
	return v, err
}

func (x compare) eval(e env) (bool, error) {
	a, err := e.operand(x.a)
	if err != nil {
		return false, err
	}
	b, err := e.operand(x.b)
	if err != nil {
		return false, err
	}
	// An absent attribute, or values of different types, compare false
	// (but <>), as in DynamoDB.
	sameType := a != nil && b != nil && (a["S"] != nil) == (b["S"] != nil) && (a["N"] != nil) == (b["N"] != nil)
	_, as := scalar(a)
	_, bs := scalar(b)
	if !sameType || !as || !bs {
		return x.op == "<>", nil
	}
	c := compareValues(a, b)
	switch x.op {
	case "=":
		return c == 0, nil
	case "<>":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	case ">=":
		return c >= 0, nil
	}
	return false, fmt.Errorf("unknown comparator %s", x.op)
}

// parseExpr parses a condition expression.
func parseExpr(s string) (expr, error) {
	p := &parser{toks: tokenize(s)}
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.i])
	}
	return x, nil
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("(),=", c):
			toks = append(toks, s[i:i+1])
			i++
		case c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && !strings.ContainsRune("(),=<>", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

type parser struct {
	toks []string
	i    int
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	p.i++
	return t
}

func (p *parser) or() (expr, error) {
	return p.binary("OR", p.and, func(a, b expr) expr { return orExpr{a, b} })
}

func (p *parser) and() (expr, error) {
	return p.binary("AND", p.not, func(a, b expr) expr { return andExpr{a, b} })
}

// binary parses operands joined by the keyword op, left to right.
func (p *parser) binary(op string, operand func() (expr, error), join func(a, b expr) expr) (expr, error) {
	a, err := operand()
	for err == nil && strings.EqualFold(p.peek(), op) {
		p.next()
		var b expr
		if b, err = operand(); err == nil {
			a = join(a, b)
		}
	}
	return a, err
}

func (p *parser) not() (expr, error) {
	if strings.EqualFold(p.peek(), "NOT") {
		p.next()
		a, err := p.not()
		return notExpr{a}, err
	}
	return p.primary()
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end")
	case t == "(":
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return x, nil
	case p.peek() == "(":
		p.next()
		c := call{fn: t}
		for {
			c.args = append(c.args, p.next())
			switch p.next() {
			case ",":
				continue
			case ")":
				return c, nil
			default:
				return nil, fmt.Errorf("bad arguments of %s", t)
			}
		}
	}
	op := p.next()
	switch op {
	case "=", "<>", "<", "<=", ">", ">=":
	default:
		return nil, fmt.Errorf("want a comparator after %s, not %s", t, strconv.Quote(op))
	}
	b := p.next()
	if b == "" || b == ")" || strings.EqualFold(b, "AND") || strings.EqualFold(b, "OR") {
		return nil, fmt.Errorf("%s %s wants an operand", t, op)
	}
	return compare{op: op, a: t, b: b}, nil
}
