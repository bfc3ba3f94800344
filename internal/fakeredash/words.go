package fakeredash

// Word lists for the generator. Invented for this fake.

var firstNames = []string{
	"Ann", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
	"Kira", "Liam", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara",
	"Umar", "Vera", "Wes", "Xenia", "Yusuf", "Zoe", "Aiko", "Bruno", "Chen", "Dana",
	"Emil", "Fatima", "Goran", "Hana", "Ivo", "Jade", "Karl", "Lena", "Marco", "Noor",
}

var lastNames = []string{
	"Adams", "Berg", "Costa", "Dahl", "Evans", "Fischer", "Garcia", "Holm", "Ito", "Jensen",
	"Khan", "Lopez", "Moreau", "Novak", "Okafor", "Petrov", "Quist", "Rossi", "Silva", "Tanaka",
	"Ueda", "Vogel", "Weber", "Xu", "Yilmaz", "Zeller", "Arnold", "Brandt", "Chavez", "Duarte",
}

var sqlTables = []string{
	"sales.orders", "sales.order_items", "sales.refunds", "marketing.campaigns", "marketing.clicks",
	"marketing.signups", "product.events", "product.sessions", "product.features", "finance.invoices",
	"finance.payments", "finance.ledger", "ops.tickets", "ops.incidents", "ops.deploys",
	"hr.headcount", "crm.accounts", "crm.contacts", "crm.opportunities", "web.pageviews",
}

var sqlMetrics = []struct{ expr, alias string }{
	{"count(*)", "total"},
	{"count(distinct user_id)", "users"},
	{"sum(amount)", "amount"},
	{"avg(amount)", "avg_amount"},
	{"max(created_at)", "latest"},
	{"sum(quantity)", "quantity"},
	{"count(distinct account_id)", "accounts"},
	{"avg(duration_ms)", "avg_duration"},
}

var sqlDims = []string{"region", "country", "channel", "plan", "team", "product_line", "source", "status"}

var metricNames = []string{
	"Revenue", "Orders", "Signups", "Active users", "Churn", "Refunds", "Tickets", "Deploys",
	"Page views", "Sessions", "Invoices", "Payments", "Pipeline", "Conversions", "Incidents", "Headcount",
}

var dimNames = []string{"by region", "by country", "by channel", "by plan", "by team", "per product line", "by source", "by status", "daily", "weekly", "monthly"}

var teamNames = []string{"Sales", "Marketing", "Finance", "Product", "Ops", "Support", "Growth", "Exec", "Data", "Engineering"}

var dashTopics = []string{"Overview", "KPIs", "Weekly review", "Funnel", "Health", "Pipeline", "Board pack", "Daily check", "Retention", "Costs"}

var tagPool = []string{"finance", "marketing", "sales", "ops", "product", "kpi", "adhoc", "deprecated", "weekly", "exec"}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var browsers = []string{
	"Chrome 118.0.0 / Mac OS X 10.15.7 / PC",
	"Firefox 119.0 / Windows 10 / PC",
	"Safari 17.1 / Mac OS X 10.15.7 / PC",
	"Python Requests 2.31 / Other / Other",
	"Other / Other / Other",
}
